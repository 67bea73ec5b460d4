import { createHash } from 'node:crypto'
import type { HistoryFilter, InspectionRecord, InspectionRoi, Verdict } from '../../../shared/contract/inspection'
import { cachedStatement, type Db } from '../db'

/** One row of `inspections` with whether an image is kept for it. */
interface Row {
  id: number
  time: string
  source: string
  file: string | null
  part_id: string
  actor: string
  model_version: number | null
  anomaly_model_version: number | null
  verdict: string
  class: string | null
  confidence: number | null
  scores: string
  threshold: number
  region: string | null
  latency_ms: number
  reason: string | null
  override_verdict: string | null
  override_class: string | null
  override_actor: string | null
  override_time: string | null
  image_kept: number
}

/** An operator's correction of a recorded verdict. */
export interface InspectionOverride {
  verdict: Verdict
  className: string | null
  actor: string
}

/** The recorded verdicts of the line (the history file's `inspections` table). */
export class InspectionsRepository {
  constructor(private readonly db: Db) {}

  /** Store one inspection (and its image when `image` is given) in one transaction. */
  insert(record: InspectionRecord, image: { bytes: Buffer; mime: string } | null): InspectionRecord {
    const timeMs = Date.parse(record.time)
    const id = this.db.transaction(() => {
      const info = cachedStatement(
        this.db,
        `INSERT INTO inspections (time, time_ms, source, file, part_id, actor, model_version, anomaly_model_version, verdict, class,
             confidence, scores, threshold, region, latency_ms, reason)
           VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`
      ).run(
        record.time, timeMs, record.source, record.file, record.partId, record.actor, record.modelVersion, record.anomalyModelVersion,
        record.verdict, record.className, record.confidence, JSON.stringify(record.scores), record.threshold,
        record.region ? JSON.stringify(record.region) : null, record.latencyMs, record.reason
      )
      const rowId = Number(info.lastInsertRowid)
      if (image) {
        const sha256 = createHash('sha256').update(image.bytes).digest('hex')
        cachedStatement(this.db, 'INSERT INTO inspection_images (inspection_id, mime, bytes, size, sha256, verdict, time_ms) VALUES (?,?,?,?,?,?,?)')
          .run(rowId, image.mime, image.bytes, image.bytes.length, sha256, record.verdict, timeMs)
      }
      return rowId
    }).immediate()
    return { ...record, id, imageKept: image !== null }
  }

  get(id: number): InspectionRecord | null {
    const row = this.db.prepare(`${SELECT} WHERE i.id = ?`).get(id) as Row | undefined
    return row ? toRecord(row) : null
  }

  /** Newest first, one page, with the number of records the filter matches. */
  list(filter: HistoryFilter, page: { limit: number; offset: number } = { limit: 100, offset: 0 }): { total: number; rows: InspectionRecord[] } {
    const { where, params } = whereClause(filter)
    const total = (this.db.prepare(`SELECT COUNT(*) AS n FROM inspections i ${where}`).get(...params) as { n: number }).n
    const rows = this.db
      .prepare(`${SELECT} ${where} ORDER BY i.time_ms DESC, i.id DESC LIMIT ? OFFSET ?`)
      .all(...params, page.limit, page.offset) as Row[]
    return { total, rows: rows.map(toRecord) }
  }

  /** Every record the filter matches, oldest first, one at a time (CSV export of a long history). */
  *each(filter: HistoryFilter): Generator<InspectionRecord> {
    const { where, params } = whereClause(filter)
    for (const row of this.db.prepare(`${SELECT} ${where} ORDER BY i.time_ms, i.id`).iterate(...params) as Iterable<Row>) yield toRecord(row)
  }

  /** Record an operator's override; null when there is no record `id`. */
  setOverride(id: number, override: InspectionOverride): InspectionRecord | null {
    this.db
      .prepare('UPDATE inspections SET override_verdict = ?, override_class = ?, override_actor = ?, override_time = ? WHERE id = ?')
      .run(override.verdict, override.className, override.actor, new Date().toISOString(), id)
    return this.get(id)
  }
}

const SELECT = `SELECT i.*, (SELECT COUNT(*) FROM inspection_images m WHERE m.inspection_id = i.id) AS image_kept FROM inspections i`

function whereClause(filter: HistoryFilter): { where: string; params: unknown[] } {
  const clauses: string[] = []
  const params: unknown[] = []
  if (filter.from) {
    clauses.push('i.time_ms >= ?')
    params.push(Date.parse(filter.from))
  }
  if (filter.to) {
    clauses.push('i.time_ms <= ?')
    params.push(Date.parse(filter.to))
  }
  if (filter.verdict) {
    // An operator's override is the verdict that counts.
    clauses.push('COALESCE(i.override_verdict, i.verdict) = ?')
    params.push(filter.verdict)
  }
  if (filter.className) {
    // Case-insensitive: an operator typing "Crack" means the class "crack".
    clauses.push('COALESCE(i.override_class, i.class) = ? COLLATE NOCASE')
    params.push(filter.className)
  }
  if (filter.modelVersion !== undefined) {
    clauses.push('i.model_version = ?')
    params.push(filter.modelVersion)
  }
  return { where: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', params }
}

function toRecord(row: Row): InspectionRecord {
  return {
    id: row.id,
    time: row.time,
    source: row.source as InspectionRecord['source'],
    file: row.file,
    partId: row.part_id,
    actor: row.actor,
    modelVersion: row.model_version,
    anomalyModelVersion: row.anomaly_model_version,
    verdict: row.verdict as Verdict,
    className: row.class,
    confidence: row.confidence,
    scores: JSON.parse(row.scores) as Record<string, number>,
    threshold: row.threshold,
    region: row.region ? (JSON.parse(row.region) as InspectionRoi) : null,
    latencyMs: row.latency_ms,
    reason: row.reason as InspectionRecord['reason'],
    imageKept: row.image_kept > 0,
    override: row.override_verdict
      ? { verdict: row.override_verdict as Verdict, className: row.override_class, actor: row.override_actor ?? '', time: row.override_time ?? '' }
      : null
  }
}
