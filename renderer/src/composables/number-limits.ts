import { limitProblem, type NumberLimits } from '../../../shared/contract/schema-limits'
import { translate } from '../i18n/core'

/**
 * A numeric field's limits come from the contract's zod schema for it, through the one
 * reader in shared/contract/schema-limits.ts, so the form, the browser's own validation
 * (min/max/step), the CLI and the services agree on one range. This file adds the form's
 * side: input attributes and the message in the app's language.
 */
export { numberLimits, type NumberLimits } from '../../../shared/contract/schema-limits'

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
  const problem = limitProblem(raw, l)
  if (problem === null) return null
  if (problem === 'not-a-number') return translate('limits.notNumber', { label })
  if (problem === 'not-whole') return translate('limits.notWhole', { label })
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
