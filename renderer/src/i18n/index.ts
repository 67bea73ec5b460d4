import { computed, watchSyncEffect } from 'vue'
import { storedPreference } from '../composables/preference'
import { buildI18n, LOCALES, setAppI18n, type AppI18n, type Locale } from './core'

/**
 * Every string a person reads on screen comes from here (vue-i18n, Composition API mode).
 * English and Simplified Chinese are complete (tests/renderer/i18n-keys.test.ts compares the
 * keys); the language follows the system unless the user picked one. Numbers and dates go
 * through `n()` / `d()` with the formats below, so each locale writes them its own way.
 * The CLI does not use this: it stays English.
 */
export { currentLocale, formatNumber, LOCALES, translate, type Locale, type Messages } from './core'
export const LOCALE_PREFERENCES = ['system', ...LOCALES] as const
export type LocalePreference = (typeof LOCALE_PREFERENCES)[number]

/** The first of the system's languages we have, else English (any Chinese → Simplified). */
export function detectLocale(languages: readonly string[]): Locale {
  for (const lang of languages) {
    const l = lang.toLowerCase()
    if (l.startsWith('zh')) return 'zh-CN'
    if (l.startsWith('en')) return 'en'
  }
  return 'en'
}

function systemLanguages(): readonly string[] {
  // Read through globalThis: tests type-check renderer modules under Node's lib too.
  const nav = (globalThis as { navigator?: { languages?: readonly string[]; language?: string } }).navigator
  if (!nav) return []
  return nav.languages?.length ? nav.languages : nav.language ? [nav.language] : []
}

export const localePreference = storedPreference<LocalePreference>('ds.locale', LOCALE_PREFERENCES, 'system')
export const activeLocale = computed<Locale>(() => (localePreference.value === 'system' ? detectLocale(systemLanguages()) : localePreference.value))

/** Keep i18n's locale and <html lang> in step with the preference (call once at start). */
export function installLocale(i18n: ReturnType<typeof createAppI18n>): void {
  watchSyncEffect(() => {
    const locale = activeLocale.value
    i18n.global.locale.value = locale
    const doc = (globalThis as { document?: { documentElement: { lang: string } } }).document
    if (doc) doc.documentElement.lang = locale
  })
}

export function createAppI18n(locale: Locale = activeLocale.value): AppI18n {
  const i18n = buildI18n(locale)
  setAppI18n(i18n)
  return i18n
}
