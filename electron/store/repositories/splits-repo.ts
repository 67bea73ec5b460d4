import type { Db } from '../db'
import { DEFAULT_VAL_FRACTION, SETTING_VAL_FRACTION, type SettingsRepository } from './settings-repo'

export type Split = 'train' | 'val'
export type SplitSource = 'auto' | 'folder' | 'user'

/**
 * The train/validation split.
 *
 * Rule ("sticky, stratified"): an image's split is decided once, when it first has a
 * label, and never moved automatically afterwards, so adding images cannot leak a
 * validation image into training or the reverse. For each class, new images are assigned
 * so that the class has round(f · n) validation images (f = setting "split.valFraction",
 * default 0.2); which of the new ones go to val is decided by lowest SHA-256, so the same
 * images labelled the same way always give the same split. A folder's own val/ (ImageFolder
 * layout) is kept as validation ('folder'), and the user may set a split by hand ('user').
 */
export class SplitsRepository {
  constructor(
    private readonly db: Db,
    private readonly settings: SettingsRepository
  ) {}

  get(imageId: number): Split | null {
    const r = this.db.prepare('SELECT split FROM splits WHERE image_id = ?').get(imageId) as { split: Split } | undefined
    return r?.split ?? null
  }

  set(imageIds: number[], split: Split, source: SplitSource = 'user'): number {
    const stmt = this.db.prepare('INSERT INTO splits (image_id, split, source) VALUES (?, ?, ?) ON CONFLICT(image_id) DO UPDATE SET split = excluded.split, source = excluded.source')
    return this.db.transaction(() => imageIds.reduce((n, id) => n + stmt.run(id, split, source).changes, 0)).immediate()
  }

  /** How many of these images the automatic rule put into validation (not a folder's val/, not the user). */
  autoValidationCount(imageIds: number[]): number {
    const stmt = this.db.prepare("SELECT 1 FROM splits WHERE image_id = ? AND split = 'val' AND source = 'auto'")
    return imageIds.reduce((n, id) => n + (stmt.get(id) ? 1 : 0), 0)
  }

  valFraction(): number {
    const f = Number(this.settings.get(SETTING_VAL_FRACTION, DEFAULT_VAL_FRACTION))
    return Number.isFinite(f) && f >= 0 && f < 1 ? f : DEFAULT_VAL_FRACTION
  }

  /**
   * Assign a split to labelled images that have none yet: those among `imageIds` when
   * given (the cheap path used after each label change), else every one of these classes.
   */
  assignMissing(classIds: number[], imageIds?: number[]): number {
    const f = this.valFraction()
    let assigned = 0
    const insert = this.db.prepare("INSERT INTO splits (image_id, split, source) VALUES (?, ?, 'auto')")
    const pendingByClass = new Map<number, Array<{ id: number; sha256: string }>>()
    if (imageIds) {
      const lookup = this.db.prepare(
        'SELECT i.id, i.sha256, l.class_id FROM images i JOIN labels l ON l.image_id = i.id WHERE i.id = ? AND NOT EXISTS (SELECT 1 FROM splits s WHERE s.image_id = i.id)'
      )
      for (const id of imageIds) {
        const r = lookup.get(id) as { id: number; sha256: string; class_id: number } | undefined
        if (!r || !classIds.includes(r.class_id)) continue
        const list = pendingByClass.get(r.class_id) ?? []
        list.push({ id: r.id, sha256: r.sha256 })
        pendingByClass.set(r.class_id, list)
      }
    } else {
      const pending = this.db.prepare(
        `SELECT i.id, i.sha256 FROM labels l JOIN images i ON i.id = l.image_id
          WHERE l.class_id = ? AND NOT EXISTS (SELECT 1 FROM splits s WHERE s.image_id = l.image_id)`
      )
      for (const classId of new Set(classIds)) pendingByClass.set(classId, pending.all(classId) as Array<{ id: number; sha256: string }>)
    }
    const counts = this.db.prepare(
      `SELECT count(*) AS n, sum(CASE WHEN s.split = 'val' THEN 1 ELSE 0 END) AS val
         FROM labels l LEFT JOIN splits s ON s.image_id = l.image_id WHERE l.class_id = ?`
    )
    for (const [classId, pending] of pendingByClass) {
      if (pending.length === 0) continue
      const c = counts.get(classId) as { n: number; val: number | null }
      let needVal = Math.max(0, Math.round(f * c.n) - (c.val ?? 0))
      pending.sort((a, b) => (a.sha256 < b.sha256 ? -1 : a.sha256 > b.sha256 ? 1 : 0))
      for (const { id } of pending) {
        insert.run(id, needVal > 0 ? 'val' : 'train')
        if (needVal > 0) needVal--
        assigned++
      }
    }
    return assigned
  }

  /** Images per split, over labelled images only. */
  counts(): { train: number; val: number } {
    const rows = this.db.prepare('SELECT s.split, count(*) AS n FROM splits s JOIN labels l ON l.image_id = s.image_id GROUP BY s.split').all() as Array<{ split: Split; n: number }>
    return { train: rows.find((r) => r.split === 'train')?.n ?? 0, val: rows.find((r) => r.split === 'val')?.n ?? 0 }
  }
}
