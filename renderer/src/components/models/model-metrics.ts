import type { ModelVersionDto, OperatingPointDto } from '../../../../shared/contract/training'
import { formatNumber, translate } from '../../i18n/index'
import { serverMessage } from '../../i18n/errors'

/**
 * A model version's validation figures in the words a QA engineer judges it by: accuracy
 * next to the always-good baseline, balanced accuracy, and the two pass/fail errors with
 * their counts. `worseThanBaseline` is the loud case: answering the good class for every
 * part would do better.
 */
export interface MetricsView {
  accuracy: string
  balancedAccuracy: string
  baseline: string
  missedDefects: string
  falseRejects: string
  worseThanBaseline: boolean
  warnings: string[]
  /** How the PASS threshold was chosen, with its validation counts (null: versions without one). */
  operatingPoint: string | null
  /** The PASS threshold on the good class's probability ('—' without a good class). */
  threshold: string
}

/** A rate as the app's language writes a percentage (one decimal); '—' when not measured. */
export const pct = (v: unknown): string => (typeof v === 'number' && Number.isFinite(v) ? formatNumber(v, 'percent') : '—')

/** "Reject below 0.813, chosen on validation for missed defects ≤ 1.0 %: 0 of 59 defects passed, …" (metrics.operatingPoint). */
export function operatingPointText(op: unknown): string | null {
  if (!op || typeof op !== 'object') return null
  const o = op as Partial<OperatingPointDto>
  if (typeof o.threshold !== 'number') return null
  const counts = translate('train.metrics.opCounts', { missed: String(o.missedDefects), defects: String(o.defectImages), rejected: String(o.falseRejects), good: String(o.goodImages) })
  if (o.chosenOn === 'default') return translate('train.metrics.opDefault', { threshold: String(o.threshold), counts })
  const aim = translate(o.target === 'false-reject-rate' ? 'train.metrics.opFalseRejects' : 'train.metrics.opMissed', { rate: pct(o.rate) })
  return translate('train.metrics.opChosen', { threshold: o.threshold.toPrecision(3), aim, counts })
}

export function metricsView(v: Pick<ModelVersionDto, 'metrics' | 'kind'>): MetricsView {
  const m = v.metrics
  const rate = (r: unknown, n: unknown, of: unknown) => (typeof r === 'number' ? translate('train.metrics.rate', { rate: pct(r), n: String(n), of: String(of) }) : '—')
  const worse = typeof m.accuracy === 'number' && typeof m.baseline === 'number' && m.accuracy < m.baseline
  const warnings = Array.isArray(m.warnings) ? m.warnings.filter((w): w is string => typeof w === 'string').map((w) => serverMessage(w)) : []
  const saysBaseline = Array.isArray(m.warnings) && m.warnings.some((w) => typeof w === 'string' && /baseline|always/i.test(w))
  if (worse && !saysBaseline) warnings.unshift(translate('train.metrics.worse', { accuracy: pct(m.accuracy), baseline: pct(m.baseline) }))
  return {
    accuracy: pct(m.accuracy),
    balancedAccuracy: pct(m.balancedAccuracy),
    baseline: pct(m.baseline),
    missedDefects: rate(m.missedDefectRate, m.missedDefects, m.defectImages),
    falseRejects: rate(m.falseRejectRate, m.falseRejects, m.goodImages),
    worseThanBaseline: worse,
    warnings,
    operatingPoint: operatingPointText(m.operatingPoint),
    threshold: typeof m.threshold === 'number' ? m.threshold.toPrecision(3) : '—'
  }
}
