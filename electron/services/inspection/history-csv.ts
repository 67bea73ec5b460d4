import type { HistoryFilter } from '../../../shared/contract/inspection'
import type { InspectionsRepository } from '../../store/history/inspections-repo'

export const CSV_COLUMNS = [
  'id', 'time', 'source', 'file', 'partId', 'actor', 'modelVersion', 'anomalyModelVersion', 'verdict', 'class',
  'confidence', 'threshold', 'latencyMs', 'reason', 'region', 'scores', 'overrideVerdict', 'overrideClass', 'overrideActor', 'overrideTime'
] as const

/** The filtered history as CSV (RFC 4180 quoting), oldest first. */
export function historyCsv(inspections: InspectionsRepository, filter: HistoryFilter): { csv: string; rows: number } {
  const lines = [CSV_COLUMNS.join(',')]
  let n = 0
  for (const r of inspections.each(filter)) {
    lines.push(
      [
        r.id, r.time, r.source, r.file, r.partId, r.actor, r.modelVersion, r.anomalyModelVersion, r.verdict, r.className,
        r.confidence, r.threshold, r.latencyMs, r.reason, r.region ? JSON.stringify(r.region) : null, JSON.stringify(r.scores),
        r.override?.verdict, r.override?.className, r.override?.actor, r.override?.time
      ]
        .map(csvField)
        .join(',')
    )
    n++
  }
  return { csv: lines.join('\r\n') + '\r\n', rows: n }
}

function csvField(value: unknown): string {
  if (value === null || value === undefined) return ''
  // A text cell starting with = + @ would run as a formula in a spreadsheet: quote it.
  const s = typeof value === 'string' && /^[=+@\t]/.test(value) ? `'${value}` : String(value)
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}
