import { createI18n } from 'vue-i18n'
import en from './messages/en'
import zhCN from './messages/zh-CN'

/**
 * The app's vue-i18n instance and what code outside components needs of it. No DOM here
 * (index.ts adds the system language and <html lang>), so code shared with Node-side tests
 * (composables/number-limits.ts) can use it.
 */
export const LOCALES = ['en', 'zh-CN'] as const
export type Locale = (typeof LOCALES)[number]
export type Messages = typeof en

export const numberFormat = {
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
export const dateFormat = {
  short: { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' },
  long: { year: 'numeric', month: 'long', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' },
  time: { hour: '2-digit', minute: '2-digit', second: '2-digit' },
  day: { year: 'numeric', month: 'short', day: 'numeric' }
} as const

export type AppI18n = ReturnType<typeof buildI18n>
let appI18n: AppI18n | null = null

/** The instance `translate()` answers from (the last one created). */
export function setAppI18n(i18n: AppI18n): void {
  appI18n = i18n
}


export function buildI18n(locale: Locale) {
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
