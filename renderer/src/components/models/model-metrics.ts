import type { ModelVersionDto } from '../../../../shared/contract/training'

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

export const pct = (v: unknown, digits = 1): string => (typeof v === 'number' && Number.isFinite(v) ? `${(v * 100).toFixed(digits)} %` : '—')

export function metricsView(v: Pick<ModelVersionDto, 'metrics' | 'kind'>): MetricsView {
  const m = v.metrics
  const rate = (r: unknown, n: unknown, of: unknown) => (typeof r === 'number' ? `${pct(r)} (${String(n)} of ${String(of)})` : '—')
  const worse = typeof m.accuracy === 'number' && typeof m.baseline === 'number' && m.accuracy < m.baseline
  const warnings = Array.isArray(m.warnings) ? m.warnings.filter((w): w is string => typeof w === 'string') : []
  if (worse && !warnings.some((w) => /baseline|always/i.test(w)))
    warnings.unshift(`Worse than always answering the good class: ${pct(m.accuracy)} accuracy against a ${pct(m.baseline)} baseline.`)
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
