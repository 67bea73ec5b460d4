/**
 * A date and time typed as text in the app language's own order and separators, instead of
 * a native datetime-local input, which shows the browser's locale (mm/dd/yyyy in a Chinese
 * app on an English system). Intl gives the order and separators (en: 11/22/2033, 13:44;
 * zh-CN: 2033/11/22 13:44); the value is the one datetime-local gives, local time
 * `YYYY-MM-DDTHH:mm`, so the stores do not change.
 */
export type DateTimeField = 'year' | 'month' | 'day' | 'hour' | 'minute'
export type DateTimePiece = { field: DateTimeField } | { literal: string }

const FIELDS: readonly DateTimeField[] = ['year', 'month', 'day', 'hour', 'minute']
const OPTIONS: Intl.DateTimeFormatOptions = { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }

/** The locale's layout: fields and the literals between them, in order. */
export function dateTimePattern(locale: string): DateTimePiece[] {
  const parts = new Intl.DateTimeFormat(locale, OPTIONS).formatToParts(new Date(2033, 10, 22, 13, 44))
  return parts.flatMap((p): DateTimePiece[] => ((FIELDS as readonly string[]).includes(p.type) ? [{ field: p.type as DateTimeField }] : p.type === 'literal' ? [{ literal: p.value }] : []))
}

const pad = (v: number, n = 2) => String(v).padStart(n, '0')

/** `YYYY-MM-DDTHH:mm` → the text the locale writes ('' for ''; an unreadable value too). */
export function formatDateTimeText(value: string, pattern: DateTimePiece[]): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(value)
  if (!m) return ''
  const v: Record<DateTimeField, string> = { year: m[1]!, month: m[2]!, day: m[3]!, hour: m[4]!, minute: m[5]! }
  return pattern.map((p) => ('field' in p ? v[p.field] : p.literal)).join('')
}

/** What the field placeholder shows: each field by its name in the app language. */
export function dateTimePlaceholder(pattern: DateTimePiece[], names: Record<DateTimeField, string>): string {
  return pattern.map((p) => ('field' in p ? names[p.field] : p.literal)).join('')
}

/**
 * Typed text → `YYYY-MM-DDTHH:mm`, '' for an empty field, or null when it is not a real
 * date in the locale's order. The numbers count, not the separators: 2026-11-28 10:00,
 * 2026/11/28 10:00 and 2026.11.28 10.00 all read the same in zh-CN. The time may be left
 * out (00:00).
 */
export function parseDateTimeText(text: string, pattern: DateTimePiece[]): string | null {
  const trimmed = text.trim()
  if (trimmed === '') return ''
  const numbers = trimmed.match(/\d+/g) ?? []
  // Anything else than digits, separators and spaces (a letter, a sign) is a typo.
  if (/[^\d\s/.,:\-年月日时分]/.test(trimmed)) return null
  const order = pattern.flatMap((p) => ('field' in p ? [p.field] : []))
  if (numbers.length !== 3 && numbers.length !== 5) return null
  const v: Record<DateTimeField, number> = { year: NaN, month: NaN, day: NaN, hour: 0, minute: 0 }
  const dateOrder = order.filter((f) => f === 'year' || f === 'month' || f === 'day')
  const fields = numbers.length === 3 ? dateOrder : order
  fields.forEach((f, i) => (v[f] = Number(numbers[i])))
  const yearText = numbers[fields.indexOf('year')]!
  if (yearText.length !== 4 || v.year < 1970) return null
  if (v.month < 1 || v.month > 12 || v.hour > 23 || v.minute > 59) return null
  // A real day of that month (31 April is refused, 29 February only in a leap year).
  const date = new Date(v.year, v.month - 1, v.day)
  if (v.day < 1 || date.getMonth() !== v.month - 1) return null
  return `${pad(v.year, 4)}-${pad(v.month)}-${pad(v.day)}T${pad(v.hour)}:${pad(v.minute)}`
}
