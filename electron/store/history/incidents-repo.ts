import type { Db } from '../db'

/** Line-side events worth keeping (webhook retries, camera loss, output failures). */
export class IncidentsRepository {
  constructor(private readonly db: Db) {}

  record(kind: string, detail: string): void {
    this.db.prepare('INSERT INTO incidents (time, kind, detail) VALUES (?,?,?)').run(new Date().toISOString(), kind, detail)
  }

  /** Newest first. */
  list(limit = 100): Array<{ time: string; kind: string; detail: string }> {
    return this.db.prepare('SELECT time, kind, detail FROM incidents ORDER BY id DESC LIMIT ?').all(limit) as Array<{ time: string; kind: string; detail: string }>
  }
}
