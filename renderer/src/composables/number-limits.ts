import { z } from 'zod'
import { translate } from '../i18n/index'

/**
 * Limits of a numeric field, read from the contract's zod schema for it, so the form, the
 * browser's own validation (min/max/step) and the services agree on one range. `scale`
 * shows a fraction as a percent (0.005 → 0.5).
 */
export interface NumberLimits {
  min: number | null
  max: number | null
  /** The bound itself is not allowed (zod's gt/lt, e.g. a rate that must be above 0). */
  exclusiveMin: boolean
  exclusiveMax: boolean
  integer: boolean
}

export function numberLimits(schema: z.ZodType, scale = 1): NumberLimits {
  // toJSONSchema is zod's public description of a schema: optional/nullable wrappers
  // become anyOf entries; the number one carries the bounds.
  const json = z.toJSONSchema(schema, { unrepresentable: 'any' }) as Record<string, unknown> & { anyOf?: Array<Record<string, unknown>> }
  const node = json.anyOf?.find((n) => n.type === 'number' || n.type === 'integer') ?? json
  const num = (key: string) => (typeof node[key] === 'number' ? (node[key] as number) * scale : null)
  const exMin = num('exclusiveMinimum')
  const exMax = num('exclusiveMaximum')
  return {
    min: exMin ?? num('minimum'),
    max: exMax ?? num('maximum'),
    exclusiveMin: exMin !== null,
    exclusiveMax: exMax !== null,
    integer: node.type === 'integer'
  }
}

/**
 * `<input type="number">` attributes for these limits. Whole numbers step by 1 from their
 * minimum; everything else steps 'any': a stepped decimal field refuses values between its
 * steps (min 0.01 step 0.1 made the browser refuse 1 %, the anomaly form's own default).
 */
export function numberInputAttrs(l: NumberLimits): { min?: number; max?: number; step: string } {
  return {
    ...(l.min !== null ? { min: l.min } : {}),
    ...(l.max !== null ? { max: l.max } : {}),
    step: l.integer && l.min !== null && Number.isInteger(l.min) ? '1' : 'any'
  }
}

/** What is wrong with a typed value, in words (null when it is fine). `unit` follows the bounds, e.g. ' %'. */
export function numberProblem(raw: string | number, l: NumberLimits, label: string, unit = ''): string | null {
  const text = String(raw).trim()
  const value = Number(text)
  if (text === '' || !Number.isFinite(value)) return translate('limits.notNumber', { label })
  if (l.integer && !Number.isInteger(value)) return translate('limits.notWhole', { label })
  const belowMin = l.min !== null && (l.exclusiveMin ? value <= l.min : value < l.min)
  const aboveMax = l.max !== null && (l.exclusiveMax ? value >= l.max : value > l.max)
  if (!belowMin && !aboveMax) return null
  return translate('limits.outOfRange', { label, range: rangeText(l, unit) })
}

/** "between 1 and 500", "above 0 and at most 10 %", "at least 0" (in the app's language). */
export function rangeText(l: NumberLimits, unit = ''): string {
  const lo = l.min === null ? null : translate(l.exclusiveMin ? 'limits.above' : 'limits.atLeast', { value: fmt(l.min) })
  const hi = l.max === null ? null : translate(l.exclusiveMax ? 'limits.below' : 'limits.atMost', { value: fmt(l.max) + unit })
  if (l.min !== null && l.max !== null && !l.exclusiveMin && !l.exclusiveMax) return translate('limits.between', { min: fmt(l.min), max: fmt(l.max) + unit })
  return [lo, hi].filter(Boolean).join(translate('limits.and'))
}

const fmt = (v: number) => String(Number(v.toPrecision(12)))
