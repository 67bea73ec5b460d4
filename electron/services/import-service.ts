import { createHash } from 'node:crypto'
import { basename } from 'node:path'
import { DEFAULT_DECODE_LIMITS, decodeImage, ImageRejectedError, readImageFile, rejectFromErrno, type DecodeLimits } from '../imaging/decode'
import type { ProjectStore } from '../store/project-store'
import { busyMessage, isBusyError, StoreConflictError } from '../store/errors'
import type { NewImage } from '../store/repositories/images-repo'
import { planImport, type ImportCandidate, type ImportSource } from './import-scan'
import { UserFacingError } from './errors'

export { ImportSourceError, type ImportSource } from './import-scan'

// The progress and report shapes are the contract's: the renderer shows them as they are.
export type { ImportProgress, ImportReport } from '../../shared/contract/images'
import type { ImportProgress, ImportReport } from '../../shared/contract/images'

export interface ImportOptions {
  signal?: AbortSignal
  onProgress?: (p: ImportProgress) => void
  limits?: DecodeLimits
  /** Files read and decoded ahead of the one being stored (sharp decodes on its own threads). */
  concurrency?: number
  /** Replaceable for tests (permission errors cannot be provoked when running as root). */
  readFile?: (file: string, limits: DecodeLimits) => Promise<Buffer>
  /** Called after each stored image (the crash test logs its kill points with it). */
  onCommitted?: (file: string, id: number) => void
  /** Mark this class as the good one (created when missing) before importing. */
  goodClass?: string
  /**
   * How a file is named in the report and kept as the image's source: browser-mode uploads
   * pass one that strips the server's temporary folder, so users see their own file names.
   */
  displayName?: (file: string) => string
}

type Prepared =
  | { kind: 'ready'; candidate: ImportCandidate; image: NewImage }
  | { kind: 'duplicate'; candidate: ImportCandidate; sameAs: string }
  | { kind: 'rejected'; candidate: ImportCandidate; reason: string; code: string }

/**
 * Import images into a project. Files are read, hashed and decoded a few at a time, then
 * stored strictly in order, one transaction per image (bytes, thumbnail, label, split
 * together), so a crash or a cancel leaves only whole images and a re-run imports what
 * is missing. Bad files end up in `rejected` with a reason; they never stop the import.
 */
export async function importImages(store: ProjectStore, source: ImportSource, opts: ImportOptions = {}): Promise<ImportReport> {
  const limits = opts.limits ?? DEFAULT_DECODE_LIMITS
  const read = opts.readFile ?? readImageFile
  const plan = await planImport(source)
  const shown = opts.displayName ?? ((f: string) => f)
  const classesBefore = new Set(store.classes.list().map((c) => c.name))
  if (opts.goodClass !== undefined) markGood(store, opts.goodClass)
  const report: ImportReport = {
    imported: 0,
    duplicates: [],
    rejected: plan.rejected.map((r) => ({ ...r, file: shown(r.file) })),
    skipped: plan.skipped.map((s) => ({ ...s, file: shown(s.file) })),
    total: plan.candidates.length + plan.rejected.length,
    cancelled: false,
    layout: plan.layout,
    classesCreated: [],
    skippedFolders: plan.skippedFolders.map((s) => ({ ...s, folder: shown(s.folder) })),
    validationSplit: { count: 0, rule: '' },
    goodClass: null
  }
  const importedIds: number[] = []
  const total = report.total
  let done = plan.rejected.length
  const progress = (currentFile: string) =>
    opts.onProgress?.({ done, total, currentFile, imported: report.imported, duplicates: report.duplicates.length, rejected: report.rejected.length })
  progress('')

  async function prepare(candidate: ImportCandidate): Promise<Prepared> {
    try {
      const bytes = await read(candidate.file, limits)
      const sha256 = createHash('sha256').update(bytes).digest('hex')
      // Skip decoding a file the project already has; the commit step checks again.
      const known = store.isOpen ? store.images.findBySha(sha256) : undefined
      if (known) return { kind: 'duplicate', candidate, sameAs: known.sourcePath ?? known.originalName }
      const decoded = await decodeImage(candidate.file, bytes, limits)
      return {
        kind: 'ready',
        candidate,
        image: {
          sha256,
          bytes,
          width: decoded.width,
          height: decoded.height,
          channels: decoded.channels,
          format: decoded.format,
          originalName: basename(shown(candidate.file)),
          sourcePath: shown(candidate.file),
          thumbnail: decoded.thumbnail,
          ...(candidate.className !== undefined ? { className: candidate.className } : {}),
          ...(candidate.split !== undefined ? { split: candidate.split } : {})
        }
      }
    } catch (error) {
      if (error instanceof ImageRejectedError) return { kind: 'rejected', candidate, reason: error.reason, code: error.code }
      if (/^E[A-Z]+$/.test(String((error as NodeJS.ErrnoException).code))) {
        const r = rejectFromErrno(candidate.file, error)
        return { kind: 'rejected', candidate, reason: r.reason, code: r.code }
      }
      return { kind: 'rejected', candidate, reason: `could not be imported (${(error as Error).message.split('\n')[0]}).`, code: 'unreadable' }
    }
  }

  const candidates = plan.candidates
  const concurrency = Math.max(1, opts.concurrency ?? 4)
  const pending: Array<Promise<Prepared> | undefined> = []
  let started = 0
  try {
    for (let i = 0; i < candidates.length; i++) {
      if (opts.signal?.aborted) {
        report.cancelled = true
        break
      }
      while (started < candidates.length && started < i + concurrency) {
        pending[started] = prepare(candidates[started]!)
        started++
      }
      const prepared = await pending[i]!
      pending[i] = undefined
      if (opts.signal?.aborted) {
        report.cancelled = true
        break
      }
      commit(prepared)
      done++
      progress(prepared.candidate.file)
    }
  } finally {
    // Let read-ahead work finish before returning so nothing touches a closed store later.
    await Promise.allSettled(pending.filter((p): p is Promise<Prepared> => p !== undefined))
  }
  report.classesCreated = store.classes
    .list()
    .map((c) => c.name)
    .filter((n) => !classesBefore.has(n))
  report.validationSplit = {
    count: store.splits.autoValidationCount(importedIds),
    rule: splitRule(store, plan.layout),
    percent: splitPercent(store),
    ownValFolder: plan.layout === 'imagefolder'
  }
  report.goodClass = store.classes.list().find((c) => c.isGood)?.name ?? null
  return report

  function commit(prepared: Prepared): void {
    const file = shown(prepared.candidate.file)
    if (prepared.kind === 'rejected') {
      report.rejected.push({ file, reason: prepared.reason, code: prepared.code })
      return
    }
    if (prepared.kind === 'duplicate') {
      report.duplicates.push({ file, sameAs: prepared.sameAs })
      return
    }
    let result
    try {
      result = store.images.add(prepared.image)
    } catch (error) {
      const message = (error as Error).message
      // A class name the store refuses (too long, control characters) rejects the file;
      // anything else (disk full, I/O error) stops the import: the next image would fail too.
      if (error instanceof StoreConflictError) {
        report.rejected.push({ file, reason: `its folder name is not a valid class: ${message}`, code: 'bad-class-name' })
        return
      }
      if (isBusyError(error)) throw new UserFacingError('busy', `${busyMessage(store.file)} ${report.imported} images were imported before "${file}"; import again to add the rest (images already stored are skipped as duplicates).`)
      throw new UserFacingError('failed', `Storing "${file}" failed (${message.split('\n')[0]}). ${report.imported} images were imported before it; free disk space and import again to add the rest.`)
    }
    if (result.status === 'duplicate') report.duplicates.push({ file, sameAs: result.sameAs })
    else {
      report.imported++
      importedIds.push(result.id)
      opts.onCommitted?.(file, result.id)
    }
  }
}

/** The class named good (created when missing); any other loses the mark. */
export function markGood(store: ProjectStore, name: string): void {
  const existing = store.classes.findByName(name)
  if (existing) store.classes.update(existing.id, { isGood: true })
  else store.classes.create({ name, isGood: true })
}

/** The automatic validation rule in words (store/repositories/splits-repo.ts). */
function splitPercent(store: ProjectStore): number {
  return Math.round(store.splits.valFraction() * 1000) / 10
}

function splitRule(store: ProjectStore, layout: ImportReport['layout']): string {
  const pct = splitPercent(store)
  const folder = layout === 'imagefolder' ? "Images in the folder's own val/ stay validation; the others: " : ''
  return `${folder}each class keeps ${pct}% of its labelled images for validation (rounded, chosen by lowest SHA-256, never moved afterwards).`
}

/**
 * One import at a time per app, cancellable: what the UI handlers use. The CLI calls
 * importImages directly.
 */
export class ImportService {
  private running: { id: string; controller: AbortController } | null = null
  private counter = 0

  get busy(): boolean {
    return this.running !== null
  }

  async run(
    store: ProjectStore,
    source: ImportSource,
    onProgress: (importId: string, p: ImportProgress) => void,
    options: Pick<ImportOptions, 'goodClass' | 'displayName'> = {}
  ): Promise<ImportReport & { importId: string }> {
    if (this.running) throw new UserFacingError('conflict', 'An import is already running. Wait for it to finish or cancel it first.')
    const id = `import-${Date.now()}-${++this.counter}`
    const controller = new AbortController()
    this.running = { id, controller }
    try {
      const report = await importImages(store, source, { ...options, signal: controller.signal, onProgress: (p) => onProgress(id, p) })
      return { ...report, importId: id }
    } finally {
      this.running = null
    }
  }

  /** Cancel the running import (all of it, or only if it has this id). Returns whether one was cancelled. */
  cancel(importId?: string): boolean {
    if (!this.running || (importId !== undefined && importId !== this.running.id)) return false
    this.running.controller.abort()
    return true
  }
}
