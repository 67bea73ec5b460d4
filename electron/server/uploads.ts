import { randomBytes } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { mkdir, readdir, rename, rm } from 'node:fs/promises'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import type { HttpRoute } from './browser-server'

/** Same per-file limit as import (electron/store/README.md): larger files are refused early. */
export const MAX_UPLOAD_BYTES = 512 * 1024 * 1024
/** All uploads of one server together (they stay until it stops): 8 GiB by default. */
export const MAX_UPLOAD_TOTAL_BYTES = 8 * 1024 * 1024 * 1024
/** File systems allow 255 bytes per name; paths beyond this are refused as too long. */
const MAX_NAME_BYTES = 255
const MAX_RELATIVE_PATH_BYTES = 1024

/** Every server's upload folder lives here, named `<pid>-<random>`, so leftovers can be found. */
export function uploadsParent(): string {
  return join(tmpdir(), 'defect-studio-uploads')
}

/**
 * Remove the upload folders of servers that are no longer running (a crash or kill -9
 * skipped their cleanup). Folders of live processes and anything not named like ours stay.
 */
export async function removeStaleUploads(parent = uploadsParent()): Promise<string[]> {
  const entries = await readdir(parent, { withFileTypes: true }).catch(() => [])
  const removed: string[] = []
  for (const entry of entries) {
    const m = /^(\d+)-[0-9a-f]+$/.exec(entry.name)
    if (!entry.isDirectory() || !m) continue
    if (isAlive(Number(m[1]))) continue
    const path = join(parent, entry.name)
    await rm(path, { recursive: true, force: true })
    removed.push(path)
  }
  return removed
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * Browser mode's file upload for drag-and-drop import: `POST /upload` with the raw file as
 * the body and its name in `X-File-Name` (URI-encoded). The body is streamed to a temporary
 * file (never held in memory), size-limited, then renamed into place, and the server-side
 * path is returned; the renderer passes those paths to `images:import-files`, so uploads go
 * through the same import service (and the same validation) as folders.
 */
export function uploadRoute(options: { dir?: string; maxBytes?: number; maxTotalBytes?: number } = {}): { route: HttpRoute; dir: string; cleanup: () => Promise<void> } {
  const dir = options.dir ?? join(uploadsParent(), `${process.pid}-${randomBytes(4).toString('hex')}`)
  const maxBytes = options.maxBytes ?? MAX_UPLOAD_BYTES
  const maxTotal = options.maxTotalBytes ?? MAX_UPLOAD_TOTAL_BYTES
  // Bytes stored or being received (reserved as they arrive, released when an upload fails).
  let total = 0
  let counter = 0

  const route: HttpRoute = async (req: IncomingMessage, res: ServerResponse, url: URL) => {
    if (url.pathname !== '/upload') return false
    if (req.method !== 'POST') {
      reply(res, 405, { error: 'Use POST /upload with the file as the body.' })
      return true
    }
    const rawName = String(req.headers['x-file-name'] ?? '')
    let name: string
    try {
      name = cleanSegment(basename(decodeURIComponent(rawName)))
    } catch {
      name = ''
    }
    if (!name || name === '.' || name === '..') {
      reply(res, 400, { error: 'The X-File-Name header (the file name, URI-encoded) is missing or invalid.' })
      return true
    }
    if (Buffer.byteLength(name) > MAX_NAME_BYTES - 20) {
      req.resume()
      reply(res, 400, { error: `The file name "${name.slice(0, 40)}…" is too long (${Buffer.byteLength(name)} bytes; at most ${MAX_NAME_BYTES - 20}). Rename the file and upload it again.` })
      return true
    }
    // A picked folder: its files keep their folders (class subfolders) under one batch, so
    // the batch can then be imported like any folder on disk.
    const batch = String(req.headers['x-upload-batch'] ?? '')
    let relativeDirs: string[] = []
    if (batch) {
      if (!/^[A-Za-z0-9-]{1,64}$/.test(batch)) {
        reply(res, 400, { error: 'X-Upload-Batch must be 1–64 letters, digits or dashes.' })
        return true
      }
      let segments: string[]
      try {
        segments = decodeURIComponent(String(req.headers['x-relative-path'] ?? '')).split(/[\\/]+/).map(cleanSegment).filter((x) => x && x !== '.')
      } catch {
        segments = []
      }
      if (segments.length === 0 || segments.includes('..')) {
        reply(res, 400, { error: `The folder path of "${name}" (X-Relative-Path) is missing or leaves the upload folder.` })
        return true
      }
      relativeDirs = segments.slice(0, -1)
      const tooLong = relativeDirs.find((d) => Buffer.byteLength(d) > MAX_NAME_BYTES)
      if (tooLong || Buffer.byteLength(relativeDirs.join('/')) > MAX_RELATIVE_PATH_BYTES) {
        req.resume()
        reply(res, 400, { error: `The folder path of "${name.slice(0, 40)}" is too long (${tooLong ? `a folder name over ${MAX_NAME_BYTES} bytes` : `over ${MAX_RELATIVE_PATH_BYTES} bytes`}). Shorten the folder names and upload again.` })
        return true
      }
    }
    const declared = Number(req.headers['content-length'] ?? NaN)
    if (Number.isFinite(declared) && declared > maxBytes) {
      req.resume()
      reply(res, 413, { error: `"${name}" is larger than ${Math.round(maxBytes / 1024 / 1024)} MiB and was not uploaded.` })
      return true
    }
    if (total + (Number.isFinite(declared) ? declared : 0) > maxTotal) {
      req.resume()
      reply(res, 507, { error: `"${name}" was not uploaded: this server's upload space (${Math.round(maxTotal / 1024 / 1024)} MiB for all uploads) is full. Import what was uploaded, then restart browser mode to free it.` })
      return true
    }
    await mkdir(dir, { recursive: true })
    counter += 1
    // A numbered subfolder keeps the user's file name (reports show it) without collisions;
    // a folder batch keeps the picked folder's own layout instead.
    const root = batch ? join(dir, `batch-${batch}`) : join(dir, String(counter))
    const target = join(root, ...relativeDirs, name)
    try {
      await mkdir(join(root, ...relativeDirs), { recursive: true })
    } catch (error) {
      req.resume()
      reply(res, 400, { error: `"${name}" could not be stored (${(error as NodeJS.ErrnoException).code ?? 'error'}).` })
      return true
    }
    // Each upload writes its own partial file and renames it into place, so two uploads to
    // the same path never interleave: the path ends up holding one of them, whole.
    const partial = `${target}.${randomBytes(6).toString('hex')}.part`
    let received = 0
    try {
      await pipeline(
        req,
        async function* limit(source: AsyncIterable<Buffer>) {
          for await (const chunk of source) {
            received += chunk.length
            total += chunk.length
            if (received > maxBytes) throw new UploadTooLargeError(name, maxBytes)
            if (total > maxTotal) throw new UploadSpaceFullError(name, maxTotal)
            yield chunk
          }
        },
        createWriteStream(partial)
      )
      await rename(partial, target)
    } catch (error) {
      total -= received
      await rm(partial, { force: true })
      const tooLarge = error instanceof UploadTooLargeError
      const full = error instanceof UploadSpaceFullError
      // Never the server's paths in the reply: only what went wrong.
      const reason = tooLarge || full ? (error as Error).message : `Upload of "${name}" failed (${(error as NodeJS.ErrnoException).code ?? 'the connection closed'}).`
      reply(res, tooLarge ? 413 : full ? 507 : 400, { error: reason })
      if (tooLarge || full) req.destroy()
      return true
    }
    reply(res, 200, { path: target, root, bytes: received })
    return true
  }

  return { route, dir, cleanup: () => rm(dir, { recursive: true, force: true }) }
}

/** One path segment without control characters (they would garble names and reports). */
function cleanSegment(segment: string): string {
  return [...segment].filter((c) => c.charCodeAt(0) >= 0x20).join('').trim()
}

class UploadSpaceFullError extends Error {
  constructor(name: string, max: number) {
    super(`"${name}" was not uploaded: this server's upload space (${Math.round(max / 1024 / 1024)} MiB for all uploads) is full. Import what was uploaded, then restart browser mode to free it.`)
  }
}

class UploadTooLargeError extends Error {
  constructor(name: string, max: number) {
    super(`"${name}" is larger than ${Math.round(max / 1024 / 1024)} MiB and was not uploaded.`)
  }
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body))
}
