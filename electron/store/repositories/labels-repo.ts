import { createHash } from 'node:crypto'
import type { Db } from '../db'
import { nowIso } from '../db'
import { StoreNotFoundError } from '../errors'
import type { SplitsRepository } from './splits-repo'

export interface LabelChange {
  imageId: number
  oldClassId: number | null
  newClassId: number | null
  changedAt: string
  source: string
  actionId: number
  undone: boolean
}

/**
 * Labels (image → class) and their history. Every change writes the label and its
 * history row in one transaction; a batch from one user action shares an action id, the
 * unit that undo reverts.
 */
export class LabelsRepository {
  constructor(
    private readonly db: Db,
    private readonly splits: SplitsRepository
  ) {}

  get(imageId: number): number | null {
    const r = this.db.prepare('SELECT class_id FROM labels WHERE image_id = ?').get(imageId) as { class_id: number } | undefined
    return r?.class_id ?? null
  }

  /** A fresh action id for a group of changes (also used by class delete/merge). */
  nextActionId(): number {
    const r = this.db.prepare('SELECT coalesce(max(action_id), 0) + 1 AS next FROM label_history').get() as { next: number }
    return r.next
  }

  /**
   * Set (or clear, with null) the label of these images. Images that already carry the
   * class are left alone. Newly labelled images get a split (see SplitsRepository).
   */
  set(imageIds: number[], classId: number | null, source = 'user'): { actionId: number; changed: number } {
    return this.db.transaction(() => {
      if (classId !== null && !this.db.prepare('SELECT 1 FROM classes WHERE id = ?').get(classId)) throw new StoreNotFoundError(`Class ${classId}`)
      const actionId = this.nextActionId()
      const changed = this.applyChanges(
        imageIds.map((id) => ({ imageId: id, classId })),
        actionId,
        source
      )
      return { actionId, changed }
    }).immediate()
  }

  /**
   * Revert the most recent action of source 'user' not undone yet (imports, class deletes
   * and merges are not undoable this way). Null when nothing is left.
   */
  undoLast(): { actionId: number; imageIds: number[] } | null {
    return this.db.transaction(() => {
      const last = this.db
        .prepare("SELECT max(action_id) AS a FROM label_history WHERE undone = 0 AND source = 'user'")
        .get() as { a: number | null }
      if (last.a === null) return null
      const rows = this.db.prepare('SELECT image_id, old_class_id FROM label_history WHERE action_id = ? ORDER BY id DESC').all(last.a) as Array<{
        image_id: number
        old_class_id: number | null
      }>
      const actionId = this.nextActionId()
      this.applyChanges(
        rows.map((r) => ({ imageId: r.image_id, classId: r.old_class_id })),
        actionId,
        'undo'
      )
      this.db.prepare('UPDATE label_history SET undone = 1 WHERE action_id = ?').run(last.a)
      return { actionId: last.a, imageIds: rows.map((r) => r.image_id) }
    }).immediate()
  }

  history(imageId: number): LabelChange[] {
    const rows = this.db.prepare('SELECT * FROM label_history WHERE image_id = ? ORDER BY id').all(imageId) as Array<{
      image_id: number
      old_class_id: number | null
      new_class_id: number | null
      changed_at: string
      source: string
      action_id: number
      undone: number
    }>
    return rows.map((r) => ({
      imageId: r.image_id,
      oldClassId: r.old_class_id,
      newClassId: r.new_class_id,
      changedAt: r.changed_at,
      source: r.source,
      actionId: r.action_id,
      undone: r.undone === 1
    }))
  }

  /** Must run inside a transaction. Returns how many labels changed. */
  applyChanges(changes: Array<{ imageId: number; classId: number | null }>, actionId: number, source: string): number {
    const at = nowIso()
    const current = this.db.prepare('SELECT class_id FROM labels WHERE image_id = ?')
    const exists = this.db.prepare('SELECT 1 FROM images WHERE id = ?')
    const upsert = this.db.prepare(
      'INSERT INTO labels (image_id, class_id, labelled_at, source) VALUES (?, ?, ?, ?) ON CONFLICT(image_id) DO UPDATE SET class_id = excluded.class_id, labelled_at = excluded.labelled_at, source = excluded.source'
    )
    const remove = this.db.prepare('DELETE FROM labels WHERE image_id = ?')
    const log = this.db.prepare('INSERT INTO label_history (action_id, image_id, old_class_id, new_class_id, changed_at, source) VALUES (?, ?, ?, ?, ?, ?)')
    const touched = new Set<number>()
    const labelled: number[] = []
    let changed = 0
    for (const { imageId, classId } of changes) {
      if (!exists.get(imageId)) throw new StoreNotFoundError(`Image ${imageId}`)
      const old = (current.get(imageId) as { class_id: number } | undefined)?.class_id ?? null
      if (old === classId) continue
      if (classId === null) remove.run(imageId)
      else {
        upsert.run(imageId, classId, at, source)
        touched.add(classId)
        labelled.push(imageId)
      }
      log.run(actionId, imageId, old, classId, at, source)
      changed++
    }
    this.splits.assignMissing([...touched], labelled)
    return changed
  }

  /**
   * A fingerprint of the labelled data (content hash, class name, split of every labelled
   * image): stored with each model so "trained on exactly this data" can be checked.
   */
  fingerprint(): string {
    const rows = this.db
      .prepare(
        `SELECT i.sha256 || ':' || c.name || ':' || coalesce(s.split, '') AS k
           FROM labels l JOIN images i ON i.id = l.image_id JOIN classes c ON c.id = l.class_id
           LEFT JOIN splits s ON s.image_id = l.image_id ORDER BY i.sha256`
      )
      .pluck()
      .all() as string[]
    return hashLines(rows)
  }
}

function hashLines(lines: string[]): string {
  const h = createHash('sha256')
  for (const l of lines) h.update(l).update('\n')
  return h.digest('hex')
}
