import { computed, watchSyncEffect } from 'vue'
import { createI18n } from 'vue-i18n'
import { storedPreference } from '../composables/preference'
import en from './messages/en'
import zhCN from './messages/zh-CN'

/**
 * Every string a person reads on screen comes from here (vue-i18n, Composition API mode).
 * English and Simplified Chinese are complete (tests/renderer/i18n-keys.test.ts compares the
 * keys); the language follows the system unless the user picked one. Numbers and dates go
 * through `n()` / `d()` with the formats below, so each locale writes them its own way.
 * The CLI does not use this: it stays English.
 */
export const LOCALES = ['en', 'zh-CN'] as const
export type Locale = (typeof LOCALES)[number]
export const LOCALE_PREFERENCES = ['system', ...LOCALES] as const
export type LocalePreference = (typeof LOCALE_PREFERENCES)[number]
export type Messages = typeof en

/** The first of the system's languages we have, else English (any Chinese → Simplified). */
export function detectLocale(languages: readonly string[]): Locale {
  for (const lang of languages) {
    const l = lang.toLowerCase()
    if (l.startsWith('zh')) return 'zh-CN'
    if (l.startsWith('en')) return 'en'
  }
  return 'en'
}

const numberFormat = {
  integer: { maximumFractionDigits: 0 },
  decimal1: { minimumFractionDigits: 1, maximumFractionDigits: 1 },
  decimal2: { minimumFractionDigits: 2, maximumFractionDigits: 2 },
  decimal3: { minimumFractionDigits: 3, maximumFractionDigits: 3 },
  decimal4: { minimumFractionDigits: 4, maximumFractionDigits: 4 },
  percent: { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 },
  percent0: { style: 'percent', maximumFractionDigits: 0 },
  percent2: { style: 'percent', minimumFractionDigits: 2, maximumFractionDigits: 2 },
  bytes: { notation: 'compact', maximumFractionDigits: 1 }
} as const
const dateFormat = {
  short: { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' },
  long: { year: 'numeric', month: 'long', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' },
  time: { hour: '2-digit', minute: '2-digit', second: '2-digit' },
  day: { year: 'numeric', month: 'short', day: 'numeric' }
} as const

function systemLanguages(): readonly string[] {
  // Read through globalThis: tests type-check renderer modules under Node's lib too.
  const nav = (globalThis as { navigator?: { languages?: readonly string[]; language?: string } }).navigator
  if (!nav) return []
  return nav.languages?.length ? nav.languages : nav.language ? [nav.language] : []
}

export const localePreference = storedPreference<LocalePreference>('ds.locale', LOCALE_PREFERENCES, 'system')
export const activeLocale = computed<Locale>(() => (localePreference.value === 'system' ? detectLocale(systemLanguages()) : localePreference.value))

type AppI18n = ReturnType<typeof buildI18n>
let appI18n: AppI18n | null = null

export function createAppI18n(locale: Locale = activeLocale.value): AppI18n {
  appI18n = buildI18n(locale)
  return appI18n
}

function buildI18n(locale: Locale) {
  return createI18n<[Messages], Locale, false>({
    legacy: false,
    locale,
    fallbackLocale: 'en',
    messages: { en, 'zh-CN': zhCN },
    numberFormats: { en: numberFormat, 'zh-CN': numberFormat },
    datetimeFormats: { en: dateFormat, 'zh-CN': dateFormat },
    missingWarn: false,
    fallbackWarn: false
  })
}

/** Keep i18n's locale and <html lang> in step with the preference (call once at start). */
export function installLocale(i18n: ReturnType<typeof createAppI18n>): void {
  watchSyncEffect(() => {
    const locale = activeLocale.value
    i18n.global.locale.value = locale
    const doc = (globalThis as { document?: { documentElement: { lang: string } } }).document
    if (doc) doc.documentElement.lang = locale
  })
}

/**
 * For code outside components (Pinia stores): the app's i18n, created once by main.ts (or
 * by the test setup). Before that it answers in English from the reference messages.
 */
export function translate(key: string, params: Record<string, unknown> = {}, plural?: number): string {
  if (!appI18n) appI18n = buildI18n('en')
  return plural === undefined ? appI18n.global.t(key, params) : appI18n.global.t(key, params, plural)
}

export function currentLocale(): Locale {
  return appI18n ? (appI18n.global.locale.value as Locale) : 'en'
}

export function formatNumber(value: number, format: keyof typeof numberFormat): string {
  if (!appI18n) appI18n = buildI18n('en')
  return appI18n.global.n(value, format)
}
