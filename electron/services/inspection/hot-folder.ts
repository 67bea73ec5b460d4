import { watch, type FSWatcher } from 'chokidar'
import { mkdir, rename, stat } from 'node:fs/promises'
import { MAX_IMAGE_FILE_BYTES, readRegularFile } from '../../engine/models/read-limited'
import { basename, extname, join, resolve } from 'node:path'
import type { Verdict } from '../../../shared/contract/inspection'
import type { HistoryStore } from '../../store/history/history-store'
import { sha256 } from './sha256'

/**
 * Hot folder: each new image is inspected once, and only once it is completely written.
 * Three checks before a file is read for inspection:
 *  1. chokidar's awaitWriteFinish (size unchanged for `stabilityMs`),
 *  2. our own stable-size check (two stats `stabilityMs` apart agree),
 *  3. the format's end marker is present (JPEG EOI, PNG IEND), which catches writers that
 *     pause longer than the stability window.
 * What was inspected (path + size + mtime + sha256) is remembered in the history file, so
 * a restart does not inspect the same files again. Optionally moves files to OK/ and NG/.
 */

export const HOT_FOLDER_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg', '.bmp', '.tif', '.tiff', '.webp'])

export interface HotFolderOptions {
  folder: string
  history: HistoryStore
  /** Inspect one complete file; resolves with its verdict. */
  inspect: (file: string, bytes: Buffer) => Promise<{ verdict: Verdict; inspectionId: number }>
  moveToOkNg?: boolean
  stabilityMs?: number
  pollMs?: number
  /** Give up on a file that never completes after this long (reported, retried on change). */
  completeTimeoutMs?: number
  onError?: (message: string) => void
  /** chokidar polling (network shares). */
  usePolling?: boolean
}

export class HotFolderError extends Error {
  constructor(folder: string, reason: string) {
    super(`Cannot watch the hot folder "${folder}": ${reason}. Choose an existing folder you can read and write.`)
    this.name = 'HotFolderError'
  }
}

export class HotFolder {
  private watcher: FSWatcher | null = null
  private readonly queue: string[] = []
  private readonly queued = new Set<string>()
  /** Files already reported as not images (reported again only when they change). */
  private readonly namedNonImages = new Set<string>()
  private working = false
  private paused = false
  private idleWaiters: Array<() => void> = []
  private inspectedCount = 0
  private readonly folder: string
  private readonly stabilityMs: number

  constructor(private readonly options: HotFolderOptions) {
    this.folder = resolve(options.folder)
    this.stabilityMs = options.stabilityMs ?? 400
  }

  async start(): Promise<void> {
    const s = await stat(this.folder).catch(() => null)
    if (!s?.isDirectory()) throw new HotFolderError(this.folder, 'it does not exist or is not a folder')
    const watcher = watch(this.folder, {
      depth: 0,
      ignoreInitial: false,
      usePolling: this.options.usePolling ?? false,
      interval: this.options.pollMs ?? 100,
      awaitWriteFinish: { stabilityThreshold: this.stabilityMs, pollInterval: this.options.pollMs ?? 100 },
      // Other files are not ignored: a PDF or a text file dropped here is named as "not an image" (enqueue).
      ignored: (path) => {
        const name = basename(path)
        return name.startsWith('.') || name.endsWith('.tmp') || name.endsWith('.part')
      }
    })
    this.watcher = watcher
    watcher.on('add', (path) => this.enqueue(path))
    watcher.on('change', (path) => {
      this.namedNonImages.delete(resolve(path))
      this.enqueue(path)
    })
    watcher.on('error', (error) => this.options.onError?.(`Hot folder watcher: ${(error as Error).message}`))
    await new Promise<void>((resolveReady) => watcher.once('ready', () => resolveReady()))
  }

  async stop(): Promise<void> {
    const w = this.watcher
    this.watcher = null
    await w?.close()
  }

  /** While paused, new files wait in the queue (in order) until resume. */
  setPaused(paused: boolean): void {
    this.paused = paused
    if (!paused) void this.work()
  }

  /** Files inspected since start. */
  inspected(): number {
    return this.inspectedCount
  }

  /** Resolves when nothing is queued or being inspected. */
  whenIdle(): Promise<void> {
    if (!this.working && (this.queue.length === 0 || this.paused)) return Promise.resolve()
    return new Promise((r) => this.idleWaiters.push(r))
  }

  private enqueue(path: string): void {
    const full = resolve(path)
    // Only files directly in the folder (OK/ and NG/ are ours).
    if (resolve(full, '..') !== this.folder) return
    if (!HOT_FOLDER_EXTENSIONS.has(extname(full).toLowerCase())) {
      // Said once per file (a change says it again), at once: waiting would not make it an image.
      if (!this.namedNonImages.has(full)) {
        this.namedNonImages.add(full)
        this.options.onError?.(`"${basename(full)}" is not an image (only ${[...HOT_FOLDER_EXTENSIONS].join(', ')} files are inspected); it is skipped.`)
      }
      return
    }
    if (this.queued.has(full)) return
    this.queued.add(full)
    this.queue.push(full)
    void this.work()
  }

  private async work(): Promise<void> {
    if (this.working) return
    this.working = true
    try {
      for (;;) {
        if (this.paused) break
        const file = this.queue.shift()
        if (!file) break
        try {
          await this.handle(file)
        } catch (error) {
          this.options.onError?.(`Hot folder file "${file}": ${(error as Error).message}`)
        } finally {
          this.queued.delete(file)
        }
      }
    } finally {
      this.working = false
      const waiters = this.idleWaiters
      this.idleWaiters = []
      for (const w of waiters) w()
    }
  }

  private async handle(file: string): Promise<void> {
    const complete = await this.waitComplete(file)
    if (!complete) return
    const { bytes, size, mtimeMs } = complete
    const hash = sha256(bytes)
    const seen = this.options.history.hotFolder.seen(file)
    if (seen && seen.size === size && seen.mtimeMs === Math.trunc(mtimeMs) && seen.sha256 === hash) return

    const { verdict, inspectionId } = await this.options.inspect(file, bytes)
    this.inspectedCount++
    this.options.history.hotFolder.markSeen(file, { size, mtimeMs, sha256: hash }, inspectionId)
    if (this.options.moveToOkNg) await this.move(file, verdict === 'PASS' ? 'OK' : 'NG')
  }

  /** Wait until the file is stable and its format looks complete; null if it vanished or timed out. */
  private async waitComplete(file: string): Promise<{ bytes: Buffer; size: number; mtimeMs: number } | null> {
    const timeout = this.options.completeTimeoutMs ?? 60_000
    const started = Date.now()
    let last = await stat(file).catch(() => null)
    // A pipe or device named like an image would block or never end; a huge file is not a photo.
    if (last && !last.isFile()) {
      this.options.onError?.(`"${basename(file)}" is not a regular file (a pipe, device or socket) and is skipped.`)
      return null
    }
    if (last && last.size > MAX_IMAGE_FILE_BYTES) {
      this.options.onError?.(`"${basename(file)}" is larger than ${Math.round(MAX_IMAGE_FILE_BYTES / 1024 / 1024)} MiB and is skipped.`)
      return null
    }
    for (;;) {
      if (!last) return null
      await delay(this.stabilityMs)
      const now = await stat(file).catch(() => null)
      if (!now) return null
      if (now.size === last.size && now.mtimeMs === last.mtimeMs && now.size > 0) {
        const bytes = await readRegularFile(file, MAX_IMAGE_FILE_BYTES).catch(() => null)
        if (!bytes) return null
        // Writers put the header first: a stable file without an image header is not an
        // image still being written, and no amount of waiting makes it one.
        if (bytes.length === now.size && !imageFormatOf(bytes)) {
          this.options.onError?.(`"${basename(file)}" is not an image: its contents are not PNG, JPEG, BMP, TIFF or WebP (named ${extname(file)}). It is skipped; it will be looked at again when it changes.`)
          return null
        }
        if (bytes.length === now.size && looksComplete(file, bytes)) return { bytes, size: now.size, mtimeMs: now.mtimeMs }
      }
      if (Date.now() - started > timeout) {
        this.options.onError?.(`"${basename(file)}" is still incomplete after ${Math.round(timeout / 1000)} s; it will be inspected when it changes again.`)
        return null
      }
      last = now
    }
  }

  private async move(file: string, sub: 'OK' | 'NG'): Promise<void> {
    const dir = join(this.folder, sub)
    await mkdir(dir, { recursive: true })
    const ext = extname(file)
    const stem = basename(file, ext)
    let target = join(dir, basename(file))
    for (let i = 1; await exists(target); i++) target = join(dir, `${stem}-${i}${ext}`)
    await rename(file, target).catch((error: Error) => this.options.onError?.(`Could not move "${file}" to ${sub}/: ${error.message}`))
  }
}

/** The image format named by the file's first bytes (its signature), or null when none matches. */
export function imageFormatOf(bytes: Buffer): 'png' | 'jpeg' | 'bmp' | 'tiff' | 'webp' | null {
  const starts = (...sig: number[]): boolean => bytes.length >= sig.length && sig.every((b, i) => bytes[i] === b)
  if (starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'png'
  if (starts(0xff, 0xd8, 0xff)) return 'jpeg'
  if (starts(0x42, 0x4d)) return 'bmp'
  if (starts(0x49, 0x49, 0x2a, 0x00) || starts(0x4d, 0x4d, 0x00, 0x2a)) return 'tiff'
  if (bytes.length >= 12 && bytes.toString('latin1', 0, 4) === 'RIFF' && bytes.toString('latin1', 8, 12) === 'WEBP') return 'webp'
  return null
}

/** JPEG must end with EOI (FFD9, maybe followed by padding); PNG with the IEND chunk. */
export function looksComplete(file: string, bytes: Buffer): boolean {
  const ext = extname(file).toLowerCase()
  if (ext === '.png') {
    return bytes.length >= 12 && bytes.subarray(bytes.length - 12).includes(Buffer.from('IEND', 'latin1'))
  }
  if (ext === '.jpg' || ext === '.jpeg') {
    const tail = bytes.subarray(Math.max(0, bytes.length - 64))
    for (let i = tail.length - 2; i >= 0; i--) if (tail[i] === 0xff && tail[i + 1] === 0xd9) return true
    return false
  }
  return true
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms))
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false
  )
}
