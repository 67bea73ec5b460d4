import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import type { ServerResponse } from 'node:http'
import { extname, join, normalize, sep } from 'node:path'

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm'
}

/**
 * Serves a file from the built renderer folder. Paths are normalised and must stay inside
 * the folder (no `..` escapes); unknown paths fall back to index.html for the SPA.
 */
export async function serveStatic(root: string, urlPath: string, res: ServerResponse, headers: Record<string, string>): Promise<void> {
  let relative: string
  try {
    relative = normalize(decodeURIComponent(urlPath)).replace(/^([/\\])+/, '')
  } catch {
    res.writeHead(400).end('Bad path')
    return
  }
  let file = join(root, relative || 'index.html')
  if (!file.startsWith(root.endsWith(sep) ? root : root + sep) && file !== root) {
    res.writeHead(403).end('Forbidden')
    return
  }
  let info = await stat(file).catch(() => null)
  if (!info || info.isDirectory()) {
    file = join(root, 'index.html')
    info = await stat(file).catch(() => null)
    if (!info) {
      res.writeHead(503, { 'Content-Type': 'text/plain' }).end('The renderer is not built. Run "npm run build" first.')
      return
    }
  }
  res.writeHead(200, {
    ...headers,
    'Content-Type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
    'Content-Length': String(info.size),
    'Cache-Control': file.endsWith('index.html') ? 'no-store' : 'public, max-age=3600'
  })
  createReadStream(file).pipe(res)
}
