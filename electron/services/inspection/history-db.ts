import Database from 'better-sqlite3'
import { createHash } from 'node:crypto'
import { basename, dirname, extname, join } from 'node:path'
import { LINE_OUTBOX_SQL } from '../../store/repositories/line-outbox-repo'
import type { HistoryFilter, InspectionRecord, InspectionRoi, Verdict } from '../../../shared/contract/inspection'

/**
 * Inspection history in its own SQLite file beside the project (`<name>.history.sqlite`),
 * so the labelled data set stays compact and "save a copy" of the project stays fast.
 * Also holds the hot folder's memory, the webhook outbox and the part-id counter: all
 * line-side state that must survive a restart.
 */

const MIGRATIONS: string[] = [
  `CREATE TABLE inspections (
     id INTEGER PRIMARY KEY,
     time TEXT NOT NULL,
     time_ms INTEGER NOT NULL,
     source TEXT NOT NULL,
     file TEXT,
     part_id TEXT NOT NULL,
     actor TEXT NOT NULL,
     model_version INTEGER,
     anomaly_model_version INTEGER,
     verdict TEXT NOT NULL CHECK (verdict IN ('PASS','FAIL','NO_VERDICT')),
     class TEXT,
     confidence REAL,
     scores TEXT NOT NULL,
     threshold REAL NOT NULL,
     region TEXT,
     latency_ms REAL NOT NULL,
     reason TEXT,
     override_verdict TEXT,
     override_class TEXT,
     override_actor TEXT,
     override_time TEXT
   );
   CREATE INDEX inspections_time ON inspections(time_ms);
   CREATE INDEX inspections_verdict ON inspections(verdict, time_ms);
   CREATE INDEX inspections_model ON inspections(model_version, time_ms);
   CREATE TABLE inspection_images (
     inspection_id INTEGER PRIMARY KEY REFERENCES inspections(id) ON DELETE CASCADE,
     mime TEXT NOT NULL,
     bytes BLOB NOT NULL,
     size INTEGER NOT NULL,
     sha256 TEXT NOT NULL,
     verdict TEXT NOT NULL,
     time_ms INTEGER NOT NULL
   );
   CREATE INDEX inspection_images_age ON inspection_images(time_ms);
   CREATE TABLE incidents (id INTEGER PRIMARY KEY, time TEXT NOT NULL, kind TEXT NOT NULL, detail TEXT NOT NULL);
   CREATE TABLE hot_folder_seen (
     path TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime_ms INTEGER NOT NULL, sha256 TEXT NOT NULL,
     inspection_id INTEGER, time TEXT NOT NULL
   );
   CREATE TABLE webhook_outbox (
     id INTEGER PRIMARY KEY, url TEXT NOT NULL, body TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
     next_attempt_ms INTEGER NOT NULL, last_error TEXT, created_ms INTEGER NOT NULL
   );
   CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);`,
  // 2: the line outputs' outbox (MQTT), see electron/store/repositories/line-outbox-repo.ts.
  LINE_OUTBOX_SQL
]

/** `line1.dsproj` -> `line1.history.sqlite` in the same folder. */
export function historyFileFor(projectFile: string): string {
  const ext = extname(projectFile)
  return join(dirname(projectFile), `${basename(projectFile, ext)}.history.sqlite`)
}

export class HistoryOpenError extends Error {
  constructor(file: string, reason: string) {
    super(`Could not open the inspection history "${file}": ${reason}. Check that the folder is writable, or move the damaged file away (a new history starts).`)
    this.name = 'HistoryOpenError'
  }
}

export interface RetentionPolicy {
  maxDays?: number | null
  maxBytes?: number | null
}

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

export const CSV_COLUMNS = [
  'id', 'time', 'source', 'file', 'partId', 'actor', 'modelVersion', 'anomalyModelVersion', 'verdict', 'class',
  'confidence', 'threshold', 'latencyMs', 'reason', 'region', 'scores', 'overrideVerdict', 'overrideClass', 'overrideActor', 'overrideTime'
] as const

export class HistoryDb {
  readonly db: Database.Database

  constructor(readonly file: string) {
    try {
      this.db = new Database(file)
      this.db.pragma('journal_mode = WAL')
      this.db.pragma('synchronous = NORMAL')
      this.db.pragma('foreign_keys = ON')
      this.migrate()
    } catch (error) {
      throw new HistoryOpenError(file, error instanceof Error ? error.message : String(error))
    }
  }

  static forProject(projectFile: string): HistoryDb {
    return new HistoryDb(historyFileFor(projectFile))
  }

  close(): void {
    if (this.db.open) this.db.close()
  }

  private migrate(): void {
    const version = this.db.pragma('user_version', { simple: true }) as number
    for (let v = version; v < MIGRATIONS.length; v++) {
      this.db.transaction(() => {
        this.db.exec(MIGRATIONS[v]!)
        this.db.pragma(`user_version = ${v + 1}`)
      }).immediate()
    }
  }

  /** Store one inspection (and its image when `image` is given) in one transaction. */
  insert(record: InspectionRecord, image: { bytes: Buffer; mime: string } | null): InspectionRecord {
    const timeMs = Date.parse(record.time)
    const id = this.db.transaction(() => {
      const info = this.db
        .prepare(
          `INSERT INTO inspections (time, time_ms, source, file, part_id, actor, model_version, anomaly_model_version, verdict, class,
             confidence, scores, threshold, region, latency_ms, reason)
           VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`
        )
        .run(
          record.time, timeMs, record.source, record.file, record.partId, record.actor, record.modelVersion, record.anomalyModelVersion,
          record.verdict, record.className, record.confidence, JSON.stringify(record.scores), record.threshold,
          record.region ? JSON.stringify(record.region) : null, record.latencyMs, record.reason
        )
      const rowId = Number(info.lastInsertRowid)
      if (image) {
        this.db
          .prepare('INSERT INTO inspection_images (inspection_id, mime, bytes, size, sha256, verdict, time_ms) VALUES (?,?,?,?,?,?,?)')
          .run(rowId, image.mime, image.bytes, image.bytes.length, sha256(image.bytes), record.verdict, timeMs)
      }
      return rowId
    }).immediate()
    return { ...record, id, imageKept: image !== null }
  }

  get(id: number): InspectionRecord | null {
    const row = this.db.prepare(`${SELECT} WHERE i.id = ?`).get(id) as Row | undefined
    return row ? toRecord(row) : null
  }

  list(filter: HistoryFilter, page: { limit: number; offset: number } = { limit: 100, offset: 0 }): { total: number; rows: InspectionRecord[] } {
    const { where, params } = whereClause(filter)
    const total = (this.db.prepare(`SELECT COUNT(*) AS n FROM inspections i ${where}`).get(...params) as { n: number }).n
    const rows = this.db
      .prepare(`${SELECT} ${where} ORDER BY i.time_ms DESC, i.id DESC LIMIT ? OFFSET ?`)
      .all(...params, page.limit, page.offset) as Row[]
    return { total, rows: rows.map(toRecord) }
  }

  /** The filtered history as CSV (RFC 4180 quoting), oldest first. */
  exportCsv(filter: HistoryFilter): { csv: string; rows: number } {
    const { where, params } = whereClause(filter)
    const lines = [CSV_COLUMNS.join(',')]
    let n = 0
    for (const row of this.db.prepare(`${SELECT} ${where} ORDER BY i.time_ms, i.id`).iterate(...params) as Iterable<Row>) {
      const r = toRecord(row)
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

  image(id: number): { mime: string; bytes: Buffer } | null {
    const row = this.db.prepare('SELECT mime, bytes FROM inspection_images WHERE inspection_id = ?').get(id) as { mime: string; bytes: Buffer } | undefined
    return row ?? null
  }

  setOverride(id: number, override: { verdict: Verdict; className: string | null; actor: string }): InspectionRecord | null {
    this.db
      .prepare('UPDATE inspections SET override_verdict = ?, override_class = ?, override_actor = ?, override_time = ? WHERE id = ?')
      .run(override.verdict, override.className, override.actor, new Date().toISOString(), id)
    return this.get(id)
  }

  recordIncident(kind: string, detail: string): void {
    this.db.prepare('INSERT INTO incidents (time, kind, detail) VALUES (?,?,?)').run(new Date().toISOString(), kind, detail)
  }

  incidents(limit = 100): Array<{ time: string; kind: string; detail: string }> {
    return this.db.prepare('SELECT time, kind, detail FROM incidents ORDER BY id DESC LIMIT ?').all(limit) as Array<{ time: string; kind: string; detail: string }>
  }

  /** Total bytes of kept images. */
  imageBytes(): number {
    return (this.db.prepare('SELECT COALESCE(SUM(size), 0) AS n FROM inspection_images').get() as { n: number }).n
  }

  /**
   * Drop kept images older than `maxDays`, then the oldest until the total fits in
   * `maxBytes` (PASS samples go before FAIL images). Records stay; only bytes go.
   */
  applyRetention(policy: RetentionPolicy, now = Date.now()): { deleted: number } {
    return this.db.transaction(() => {
      let deleted = 0
      if (policy.maxDays) {
        deleted += this.db.prepare('DELETE FROM inspection_images WHERE time_ms < ?').run(now - policy.maxDays * 86_400_000).changes
      }
      if (policy.maxBytes) {
        let total = this.imageBytes()
        if (total > policy.maxBytes) {
          const victims = this.db
            .prepare("SELECT inspection_id AS id, size FROM inspection_images ORDER BY (verdict = 'PASS') DESC, time_ms, inspection_id")
            .iterate() as Iterable<{ id: number; size: number }>
          const ids: number[] = []
          for (const v of victims) {
            if (total <= policy.maxBytes) break
            ids.push(v.id)
            total -= v.size
          }
          const del = this.db.prepare('DELETE FROM inspection_images WHERE inspection_id = ?')
          for (const id of ids) deleted += del.run(id).changes
        }
      }
      return { deleted }
    }).immediate()
  }

  getMeta(key: string): string | null {
    const row = this.db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined
    return row?.value ?? null
  }

  setMeta(key: string, value: string): void {
    this.db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value)
  }

  /** Next value of a persistent counter (part ids keep counting across restarts). */
  nextCounter(key: string): number {
    return this.db.transaction(() => {
      const n = Number(this.getMeta(key) ?? '0') + 1
      this.setMeta(key, String(n))
      return n
    }).immediate()
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

function csvField(value: unknown): string {
  if (value === null || value === undefined) return ''
  // A text cell starting with = + @ would run as a formula in a spreadsheet: quote it.
  const s = typeof value === 'string' && /^[=+@\t]/.test(value) ? `'${value}` : String(value)
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex')
}
