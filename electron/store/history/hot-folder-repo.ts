import type { Db } from '../db'

/** What the hot folder knew of a file when it inspected it. */
export interface SeenFile {
  size: number
  mtimeMs: number
  sha256: string
}

/**
 * The hot folder's memory: a file already inspected with the same size, time and content
 * is not inspected again after a restart.
 */
export class HotFolderRepository {
  constructor(private readonly db: Db) {}

  seen(path: string): SeenFile | null {
    const row = this.db.prepare('SELECT size, mtime_ms, sha256 FROM hot_folder_seen WHERE path = ?').get(path) as
      | { size: number; mtime_ms: number; sha256: string }
      | undefined
    return row ? { size: row.size, mtimeMs: row.mtime_ms, sha256: row.sha256 } : null
  }

  /** Remember `path` as inspected (record `inspectionId`), replacing what was known of it. */
  markSeen(path: string, file: SeenFile, inspectionId: number | null): void {
    this.db
      .prepare(
        `INSERT INTO hot_folder_seen (path, size, mtime_ms, sha256, inspection_id, time) VALUES (?,?,?,?,?,?)
         ON CONFLICT(path) DO UPDATE SET size = excluded.size, mtime_ms = excluded.mtime_ms, sha256 = excluded.sha256,
           inspection_id = excluded.inspection_id, time = excluded.time`
      )
      .run(path, file.size, Math.trunc(file.mtimeMs), file.sha256, inspectionId, new Date().toISOString())
  }
}
