import type { InspectionRecord } from '../../../../shared/contract/index'

/**
 * How a verdict's score reads. A classifier's confidence is a probability (a percent); an
 * anomaly score has no unit of its own, so it is shown against its reject threshold
 * ("0.82× threshold": at 1× the part is rejected), never as a percent.
 */
export type ScoreView = { kind: 'probability'; value: number } | { kind: 'anomaly'; ratio: number; score: number; threshold: number } | null

/** `anomalyThreshold`: the active anomaly model's (needed when a classifier is active too). */
export function scoreView(record: InspectionRecord | null, anomalyThreshold: number | null): ScoreView {
  if (!record || record.confidence == null) return null
  const anomalyOnly = record.modelVersion === null && record.anomalyModelVersion !== null
  const byAnomaly = anomalyOnly || record.className === 'anomaly'
  if (!byAnomaly) return { kind: 'probability', value: record.confidence }
  const score = record.scores.anomaly ?? record.confidence
  // Anomaly only: the record's threshold is the anomaly model's own.
  const threshold = anomalyOnly ? record.threshold : anomalyThreshold
  if (!threshold || threshold <= 0 || !Number.isFinite(score)) return null
  return { kind: 'anomaly', ratio: score / threshold, score, threshold }
}

/** The model version a verdict came from, as shown: "v3", "anomaly v2", "v3 + anomaly v2". */
export function versionText(record: InspectionRecord, anomalyWord: string): string {
  const parts: string[] = []
  if (record.modelVersion !== null) parts.push(`v${record.modelVersion}`)
  if (record.anomalyModelVersion !== null) parts.push(`${anomalyWord} v${record.anomalyModelVersion}`)
  return parts.length ? parts.join(' + ') : '–'
}
