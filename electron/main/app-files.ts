import { readFile, stat } from 'node:fs/promises'
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
 * One file of the built renderer for the `app://` protocol (electron/main/protocol.ts),
 * kept free of Electron so it is tested under Node. The URL's path must stay inside the
 * renderer folder; unknown paths give index.html (the single-page app routes itself).
 */
export async function rendererFile(rendererDir: string, urlPath: string): Promise<{ status: number; bytes: Buffer; contentType: string }> {
  let relative: string
  try {
    relative = normalize(decodeURIComponent(urlPath)).replace(/^([/\\])+/, '')
  } catch {
    return { status: 400, bytes: Buffer.from('Bad path'), contentType: 'text/plain' }
  }
  const root = rendererDir.endsWith(sep) ? rendererDir : rendererDir + sep
  let file = join(rendererDir, relative || 'index.html')
  if (!file.startsWith(root)) return { status: 403, bytes: Buffer.from('Forbidden'), contentType: 'text/plain' }
  const info = await stat(file).catch(() => null)
  if (!info || !info.isFile()) file = join(rendererDir, 'index.html')
  try {
    return { status: 200, bytes: await readFile(file), contentType: CONTENT_TYPES[extname(file)] ?? 'application/octet-stream' }
  } catch {
    return { status: 404, bytes: Buffer.from('Not found'), contentType: 'text/plain' }
  }
}
