import type { Db } from '../db'

/** How long and how many bytes of kept inspection images to keep. */
export interface RetentionPolicy {
  maxDays?: number | null
  maxBytes?: number | null
}

/** The images kept with inspections (every reject, a sample of passes). */
export class InspectionImagesRepository {
  constructor(private readonly db: Db) {}

  get(inspectionId: number): { mime: string; bytes: Buffer } | null {
    const row = this.db.prepare('SELECT mime, bytes FROM inspection_images WHERE inspection_id = ?').get(inspectionId) as { mime: string; bytes: Buffer } | undefined
    return row ?? null
  }

  /** Total bytes of kept images. */
  totalBytes(): number {
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
        let total = this.totalBytes()
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
}
