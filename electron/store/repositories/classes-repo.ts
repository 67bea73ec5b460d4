import type { Db } from '../db'
import { nowIso } from '../db'
import { StoreConflictError, StoreNotFoundError } from '../errors'

export interface ClassRow {
  id: number
  name: string
  colour: string
  order: number
  isGood: boolean
}

export interface ClassWithCounts extends ClassRow {
  /** Labelled images in this class, and how many of them are in each split. */
  count: number
  train: number
  val: number
}

/** Colours handed to new classes in turn (good parts get green). */
const PALETTE = ['#e6194b', '#4363d8', '#f58231', '#911eb4', '#42d4f4', '#f032e6', '#bfef45', '#469990', '#9a6324', '#800000', '#808000', '#000075']
export const GOOD_COLOUR = '#3cb44b'
/** Folder names that mean "good part" when classes are created by an import. */
export const GOOD_CLASS_NAMES = ['ok', 'good', 'pass', 'okay', 'normal', 'i.o.', 'io']

interface Raw {
  id: number
  name: string
  colour: string
  sort_order: number
  is_good: number
}
const toRow = (r: Raw): ClassRow => ({ id: r.id, name: r.name, colour: r.colour, order: r.sort_order, isGood: r.is_good === 1 })

/** Classes: names are unique ignoring case; at most one is the "good" class. */
export class ClassesRepository {
  constructor(private readonly db: Db) {}

  list(): ClassRow[] {
    return (this.db.prepare('SELECT * FROM classes ORDER BY sort_order, id').all() as Raw[]).map(toRow)
  }

  listWithCounts(): ClassWithCounts[] {
    const rows = this.db
      .prepare(
        `SELECT c.*, count(l.image_id) AS n,
                sum(CASE WHEN s.split = 'train' THEN 1 ELSE 0 END) AS train,
                sum(CASE WHEN s.split = 'val' THEN 1 ELSE 0 END) AS val
           FROM classes c
           LEFT JOIN labels l ON l.class_id = c.id
           LEFT JOIN splits s ON s.image_id = l.image_id
          GROUP BY c.id ORDER BY c.sort_order, c.id`
      )
      .all() as Array<Raw & { n: number; train: number | null; val: number | null }>
    return rows.map((r) => ({ ...toRow(r), count: r.n, train: r.train ?? 0, val: r.val ?? 0 }))
  }

  get(id: number): ClassRow {
    const r = this.db.prepare('SELECT * FROM classes WHERE id = ?').get(id) as Raw | undefined
    if (!r) throw new StoreNotFoundError(`Class ${id}`)
    return toRow(r)
  }

  findByName(name: string): ClassRow | undefined {
    const r = this.db.prepare('SELECT * FROM classes WHERE name = ?').get(name.trim().normalize('NFC')) as Raw | undefined
    return r ? toRow(r) : undefined
  }

  create(input: { name: string; colour?: string; isGood?: boolean }): ClassRow {
    const name = checkName(input.name)
    if (this.findByName(name)) throw new StoreConflictError(`A class named "${name}" already exists. Choose another name.`)
    return this.db.transaction(() => {
      if (input.isGood) this.db.prepare('UPDATE classes SET is_good = 0 WHERE is_good = 1').run()
      const { n, maxOrder } = this.db.prepare('SELECT count(*) AS n, coalesce(max(sort_order), -1) AS maxOrder FROM classes').get() as { n: number; maxOrder: number }
      const colour = input.colour ?? (input.isGood ? GOOD_COLOUR : PALETTE[n % PALETTE.length]!)
      const id = Number(
        this.db
          .prepare('INSERT INTO classes (name, colour, sort_order, is_good, created_at) VALUES (?, ?, ?, ?, ?)')
          .run(name, colour, maxOrder + 1, input.isGood ? 1 : 0, nowIso()).lastInsertRowid
      )
      return this.get(id)
    }).immediate()
  }

  /**
   * The class with this name, created when missing (used by imports). A folder called
   * ok/good/pass/... becomes the good class if the project has none yet.
   */
  ensure(name: string): ClassRow {
    const existing = this.findByName(name)
    if (existing) return existing
    const hasGood = this.db.prepare('SELECT 1 FROM classes WHERE is_good = 1').get() !== undefined
    return this.create({ name, isGood: !hasGood && GOOD_CLASS_NAMES.includes(name.trim().toLowerCase()) })
  }

  update(id: number, changes: { name?: string; colour?: string; order?: number; isGood?: boolean }): ClassRow {
    return this.db.transaction(() => {
      const current = this.get(id)
      if (changes.name !== undefined) {
        const name = checkName(changes.name)
        const clash = this.findByName(name)
        if (clash && clash.id !== id) throw new StoreConflictError(`A class named "${name}" already exists. Merge the classes instead of renaming.`)
        this.db.prepare('UPDATE classes SET name = ? WHERE id = ?').run(name, id)
      }
      if (changes.colour !== undefined) {
        if (!/^#[0-9a-fA-F]{6}$/.test(changes.colour)) throw new StoreConflictError(`Colour "${changes.colour}" is not of the form #rrggbb.`)
        this.db.prepare('UPDATE classes SET colour = ? WHERE id = ?').run(changes.colour, id)
      }
      if (changes.order !== undefined) this.db.prepare('UPDATE classes SET sort_order = ? WHERE id = ?').run(changes.order, id)
      if (changes.isGood !== undefined && changes.isGood !== current.isGood) {
        if (changes.isGood) this.db.prepare('UPDATE classes SET is_good = 0 WHERE is_good = 1').run()
        this.db.prepare('UPDATE classes SET is_good = ? WHERE id = ?').run(changes.isGood ? 1 : 0, id)
      }
      return this.get(id)
    }).immediate()
  }

  /** Put classes in this order (ids not listed keep their relative order after them). */
  reorder(ids: number[]): ClassRow[] {
    this.db.transaction(() => {
      const rest = this.list().filter((c) => !ids.includes(c.id))
      const stmt = this.db.prepare('UPDATE classes SET sort_order = ? WHERE id = ?')
      ;[...ids, ...rest.map((c) => c.id)].forEach((id, i) => stmt.run(i, id))
    }).immediate()
    return this.list()
  }

  /**
   * Delete a class. Its images become unlabelled (recorded in the label history as one
   * action, so the change is visible); returns how many lost their label.
   */
  delete(id: number, actionId: number): { unlabelled: number } {
    return this.db.transaction(() => {
      this.get(id)
      const at = nowIso()
      const moved = this.db
        .prepare(
          `INSERT INTO label_history (action_id, image_id, old_class_id, new_class_id, changed_at, source)
           SELECT ?, image_id, class_id, NULL, ?, 'class-delete' FROM labels WHERE class_id = ?`
        )
        .run(actionId, at, id).changes
      this.db.prepare('DELETE FROM labels WHERE class_id = ?').run(id)
      this.db.prepare('DELETE FROM classes WHERE id = ?').run(id)
      return { unlabelled: moved }
    }).immediate()
  }

  /** Move every image of `sourceId` to `targetId`, then delete the source class. */
  merge(sourceId: number, targetId: number, actionId: number): { moved: number; target: ClassRow } {
    if (sourceId === targetId) throw new StoreConflictError('A class cannot be merged into itself.')
    return this.db.transaction(() => {
      const source = this.get(sourceId)
      this.get(targetId)
      const at = nowIso()
      const moved = this.db
        .prepare(
          `INSERT INTO label_history (action_id, image_id, old_class_id, new_class_id, changed_at, source)
           SELECT ?, image_id, class_id, ?, ?, 'class-merge' FROM labels WHERE class_id = ?`
        )
        .run(actionId, targetId, at, sourceId).changes
      this.db.prepare('UPDATE labels SET class_id = ?, labelled_at = ?, source = ? WHERE class_id = ?').run(targetId, at, 'class-merge', sourceId)
      this.db.prepare('DELETE FROM classes WHERE id = ?').run(sourceId)
      // Merging the good class into another keeps a good class: the merged one.
      if (source.isGood) this.db.prepare('UPDATE classes SET is_good = 1 WHERE id = ?').run(targetId)
      return { moved, target: this.get(targetId) }
    }).immediate()
  }
}

function checkName(raw: string): string {
  const name = raw.trim().normalize('NFC')
  if (name.length === 0) throw new StoreConflictError('A class name cannot be empty.')
  if (name.length > 100) throw new StoreConflictError(`Class name "${name.slice(0, 20)}…" is longer than 100 characters.`)
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f]/.test(name)) throw new StoreConflictError('A class name cannot contain control characters.')
  return name
}
