import { randomBytes } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { mkdir, rename, rm } from 'node:fs/promises'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import type { HttpRoute } from './browser-server'

/** Same per-file limit as import (electron/store/README.md): larger files are refused early. */
export const MAX_UPLOAD_BYTES = 512 * 1024 * 1024

/**
 * Browser mode's file upload for drag-and-drop import: `POST /upload` with the raw file as
 * the body and its name in `X-File-Name` (URI-encoded). The body is streamed to a temporary
 * file (never held in memory), size-limited, then renamed into place, and the server-side
 * path is returned; the renderer passes those paths to `images:import-files`, so uploads go
 * through the same import service (and the same validation) as folders.
 */
export function uploadRoute(options: { dir?: string; maxBytes?: number } = {}): { route: HttpRoute; dir: string; cleanup: () => Promise<void> } {
  const dir = options.dir ?? join(tmpdir(), `defect-studio-uploads-${process.pid}-${randomBytes(4).toString('hex')}`)
  const maxBytes = options.maxBytes ?? MAX_UPLOAD_BYTES
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
    }
    const declared = Number(req.headers['content-length'] ?? NaN)
    if (Number.isFinite(declared) && declared > maxBytes) {
      req.resume()
      reply(res, 413, { error: `"${name}" is larger than ${Math.round(maxBytes / 1024 / 1024)} MiB and was not uploaded.` })
      return true
    }
    await mkdir(dir, { recursive: true })
    counter += 1
    // A numbered subfolder keeps the user's file name (reports show it) without collisions;
    // a folder batch keeps the picked folder's own layout instead.
    const root = batch ? join(dir, `batch-${batch}`) : join(dir, String(counter))
    const target = join(root, ...relativeDirs, name)
    await mkdir(join(root, ...relativeDirs), { recursive: true })
    const partial = `${target}.part`
    let received = 0
    try {
      await pipeline(
        req,
        async function* limit(source: AsyncIterable<Buffer>) {
          for await (const chunk of source) {
            received += chunk.length
            if (received > maxBytes) throw new UploadTooLargeError(name, maxBytes)
            yield chunk
          }
        },
        createWriteStream(partial)
      )
      await rename(partial, target)
    } catch (error) {
      await rm(partial, { force: true })
      const tooLarge = error instanceof UploadTooLargeError
      reply(res, tooLarge ? 413 : 400, { error: tooLarge ? error.message : `Upload of "${name}" failed: ${(error as Error).message}` })
      if (tooLarge) req.destroy()
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

class UploadTooLargeError extends Error {
  constructor(name: string, max: number) {
    super(`"${name}" is larger than ${Math.round(max / 1024 / 1024)} MiB and was not uploaded.`)
  }
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body))
}
