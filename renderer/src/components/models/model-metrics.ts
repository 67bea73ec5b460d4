import type { ModelVersionDto } from '../../../../shared/contract/training'
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
}

/** A rate as the app's language writes a percentage (one decimal); '—' when not measured. */
export const pct = (v: unknown): string => (typeof v === 'number' && Number.isFinite(v) ? formatNumber(v, 'percent') : '—')

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
    warnings
  }
}
