import type { Db } from '../db'
import type { ImageItem } from '../../../shared/contract/images'
import { nowIso } from '../db'
import { StoreNotFoundError } from '../errors'
import type { ClassesRepository } from './classes-repo'
import type { LabelsRepository } from './labels-repo'
import type { Split } from './splits-repo'

export interface NewImage {
  sha256: string
  bytes: Uint8Array
  width: number
  height: number
  channels: number
  /** 'jpeg' | 'png' | 'webp' | 'tiff' (sharp's names). */
  format: string
  originalName: string
  sourcePath?: string
  thumbnail: { mime: string; width: number; height: number; bytes: Uint8Array }
  /** Class from the folder it came from; created when missing. */
  className?: string
  /** Split from the folder it came from (ImageFolder train/ or val/). */
  split?: Split
}

export type AddImageResult = { status: 'imported'; id: number } | { status: 'duplicate'; existingId: number; sameAs: string }

/** One image as listed: the contract's item, without the model suggestion (added by the service). */
export type ImageSummary = Omit<ImageItem, 'suggestion'>

export interface ImageListFilter {
  /** A class id, or null for unlabelled images only; omit for all. */
  classId?: number | null
  split?: Split
  /** Case-insensitive substring of the original file name. */
  search?: string
}

export interface LabelledImage {
  id: number
  sha256: string
  classId: number
  split: Split | null
  width: number
  height: number
}

interface SummaryRaw {
  id: number
  sha256: string
  width: number
  height: number
  format: string
  byte_size: number
  original_name: string
  imported_at: string
  class_id: number | null
  split: Split | null
}

const SUMMARY_COLUMNS = 'i.id, i.sha256, i.width, i.height, i.format, i.byte_size, i.original_name, i.imported_at, l.class_id, s.split'
const SUMMARY_JOINS = 'FROM images i LEFT JOIN labels l ON l.image_id = i.id LEFT JOIN splits s ON s.image_id = i.id'

function toSummary(r: SummaryRaw): ImageSummary {
  return {
    id: r.id,
    sha256: r.sha256,
    width: r.width,
    height: r.height,
    format: r.format,
    byteSize: r.byte_size,
    originalName: r.original_name,
    importedAt: r.imported_at,
    classId: r.class_id,
    split: r.split
  }
}

const MIME: Record<string, string> = { jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp', tiff: 'image/tiff' }
export function mimeOf(format: string): string {
  return MIME[format] ?? 'application/octet-stream'
}

/** Images: metadata, original bytes and thumbnail, written together or not at all. */
export class ImagesRepository {
  constructor(
    private readonly db: Db,
    private readonly classes: ClassesRepository,
    private readonly labels: LabelsRepository
  ) {}

  /**
   * Store one image with its bytes, thumbnail, label and split in a single transaction: a
   * crash leaves either all of it or none. A known SHA-256 is reported as a duplicate.
   */
  add(input: NewImage): AddImageResult {
    return this.addMany([input])[0]!
  }

  /**
   * Store several images in one transaction (bulk tools and tests; the import stores one
   * per transaction so that a crash loses at most the image being written).
   */
  addMany(inputs: NewImage[]): AddImageResult[] {
    return this.db.transaction((): AddImageResult[] => {
      const results = inputs.map((input) => this.insertOne(input))
      // Labels after all rows exist, so splits are decided once per class for the batch.
      const byClass = new Map<string, number[]>()
      inputs.forEach((input, i) => {
        const r = results[i]!
        if (r.status !== 'imported' || input.className === undefined) return
        byClass.set(input.className, [...(byClass.get(input.className) ?? []), r.id])
      })
      const actionId = byClass.size > 0 ? this.labels.nextActionId() : 0
      for (const [name, ids] of byClass) {
        const cls = this.classes.ensure(name)
        this.labels.applyChanges(
          ids.map((imageId) => ({ imageId, classId: cls.id })),
          actionId,
          'import'
        )
      }
      return results
    }).immediate()
  }

  private insertOne(input: NewImage): AddImageResult {
    {
      const existing = this.findBySha(input.sha256)
      if (existing) return { status: 'duplicate', existingId: existing.id, sameAs: existing.sourcePath ?? existing.originalName }
      const id = Number(
        this.db
          .prepare(
            'INSERT INTO images (sha256, byte_size, width, height, channels, format, original_name, source_path, imported_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)'
          )
          .run(input.sha256, input.bytes.byteLength, input.width, input.height, input.channels, input.format, input.originalName, input.sourcePath ?? null, nowIso())
          .lastInsertRowid
      )
      this.db.prepare('INSERT INTO image_data (image_id, bytes) VALUES (?, ?)').run(id, input.bytes)
      const t = input.thumbnail
      this.db.prepare('INSERT INTO thumbnails (image_id, mime, width, height, bytes) VALUES (?, ?, ?, ?, ?)').run(id, t.mime, t.width, t.height, t.bytes)
      if (input.split) this.db.prepare("INSERT INTO splits (image_id, split, source) VALUES (?, ?, 'folder')").run(id, input.split)
      return { status: 'imported', id }
    }
  }

  findBySha(sha256: string): { id: number; originalName: string; sourcePath: string | null } | undefined {
    const r = this.db.prepare('SELECT id, original_name, source_path FROM images WHERE sha256 = ?').get(sha256) as
      | { id: number; original_name: string; source_path: string | null }
      | undefined
    return r ? { id: r.id, originalName: r.original_name, sourcePath: r.source_path } : undefined
  }

  /**
   * Image ids of a scope, in import order: every image, those without a label, or the
   * labelled validation images.
   */
  ids(scope: 'unlabelled' | 'all' | 'val'): number[] {
    const sql =
      scope === 'all'
        ? 'SELECT id FROM images ORDER BY id'
        : scope === 'unlabelled'
          ? 'SELECT i.id FROM images i LEFT JOIN labels l ON l.image_id = i.id WHERE l.image_id IS NULL ORDER BY i.id'
          : "SELECT i.id FROM images i JOIN splits s ON s.image_id = i.id JOIN labels l ON l.image_id = i.id WHERE s.split = 'val' ORDER BY i.id"
    return (this.db.prepare(sql).all() as Array<{ id: number }>).map((r) => r.id)
  }

  count(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM images').get() as { n: number }).n
  }

  /** One page of images matching the filter, in import order, and the total that match. */
  list(filter: ImageListFilter = {}, page: { offset?: number; limit?: number } = {}): { items: ImageSummary[]; total: number } {
    const where: string[] = []
    const params: unknown[] = []
    if (filter.classId === null) where.push('l.class_id IS NULL')
    else if (filter.classId !== undefined) {
      where.push('l.class_id = ?')
      params.push(filter.classId)
    }
    if (filter.split) {
      where.push('s.split = ?')
      params.push(filter.split)
    }
    if (filter.search) {
      where.push("i.original_name LIKE ? ESCAPE '\\'")
      params.push(`%${filter.search.replace(/[\\%_]/g, (c) => '\\' + c)}%`)
    }
    const from = `${SUMMARY_JOINS} ${where.length ? 'WHERE ' + where.join(' AND ') : ''}`
    const total = (this.db.prepare(`SELECT count(*) AS n ${from}`).get(...params) as { n: number }).n
    const limit = Math.min(Math.max(page.limit ?? 200, 0), 2000)
    const offset = Math.max(page.offset ?? 0, 0)
    const rows = this.db.prepare(`SELECT ${SUMMARY_COLUMNS} ${from} ORDER BY i.id LIMIT ? OFFSET ?`).all(...params, limit, offset) as SummaryRaw[]
    return { total, items: rows.map(toSummary) }
  }

  get(id: number): ImageSummary {
    const r = this.db.prepare(`SELECT ${SUMMARY_COLUMNS} ${SUMMARY_JOINS} WHERE i.id = ?`).get(id) as SummaryRaw | undefined
    if (!r) throw new StoreNotFoundError(`Image ${id}`)
    return toSummary(r)
  }

  /** The original file's bytes, exactly as imported. */
  bytes(id: number): { bytes: Buffer; format: string; mime: string } {
    const r = this.db.prepare('SELECT d.bytes, i.format FROM image_data d JOIN images i ON i.id = d.image_id WHERE d.image_id = ?').get(id) as
      | { bytes: Buffer; format: string }
      | undefined
    if (!r) throw new StoreNotFoundError(`Image ${id}`)
    return { bytes: r.bytes, format: r.format, mime: mimeOf(r.format) }
  }

  thumbnail(id: number): { bytes: Buffer; mime: string; width: number; height: number } {
    const r = this.db.prepare('SELECT bytes, mime, width, height FROM thumbnails WHERE image_id = ?').get(id) as
      | { bytes: Buffer; mime: string; width: number; height: number }
      | undefined
    if (!r) throw new StoreNotFoundError(`Thumbnail of image ${id}`)
    return r
  }

  /** Every labelled image with its class and split: what a training run reads. */
  listLabelled(): LabelledImage[] {
    const rows = this.db
      .prepare('SELECT i.id, i.sha256, i.width, i.height, l.class_id, s.split FROM labels l JOIN images i ON i.id = l.image_id LEFT JOIN splits s ON s.image_id = i.id ORDER BY i.id')
      .all() as Array<{ id: number; sha256: string; width: number; height: number; class_id: number; split: Split | null }>
    return rows.map((r) => ({ id: r.id, sha256: r.sha256, classId: r.class_id, split: r.split, width: r.width, height: r.height }))
  }

  /** Iterate over every stored image's bytes without holding them all in memory. */
  *iterateBytes(): Generator<{ id: number; sha256: string; format: string; originalName: string; bytes: Buffer }> {
    const ids = this.db.prepare('SELECT id FROM images ORDER BY id').pluck().all() as number[]
    const stmt = this.db.prepare('SELECT i.id, i.sha256, i.format, i.original_name, d.bytes FROM images i JOIN image_data d ON d.image_id = i.id WHERE i.id = ?')
    for (const id of ids) {
      const r = stmt.get(id) as { id: number; sha256: string; format: string; original_name: string; bytes: Buffer } | undefined
      if (r) yield { id: r.id, sha256: r.sha256, format: r.format, originalName: r.original_name, bytes: r.bytes }
    }
  }

  delete(ids: number[]): number {
    const stmt = this.db.prepare('DELETE FROM images WHERE id = ?')
    return this.db.transaction(() => ids.reduce((n, id) => n + stmt.run(id).changes, 0)).immediate()
  }
}
