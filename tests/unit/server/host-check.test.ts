import { mkdtempSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { startBrowserServer, type RunningServer } from '../../../electron/server/browser-server'
import { uploadRoute } from '../../../electron/server/uploads'
import { createAppServices, type AppServices } from '../../../electron/services/app-services'

// DNS rebinding: a page on evil.example whose name later resolves to 127.0.0.1 sends
// `Host: evil.example:PORT` and a matching Origin, so the Origin check alone lets it in.
let running: RunningServer | null = null
let services: AppServices | null = null

afterEach(async () => {
  await running?.close()
  await services?.close()
  running = null
  services = null
})

async function start(host = '127.0.0.1', token: string | null = null): Promise<RunningServer> {
  process.env.DEFECT_STUDIO_DATA_DIR = mkdtempSync(join(tmpdir(), 'ds-data-'))
  const renderer = mkdtempSync(join(tmpdir(), 'ds-renderer-'))
  writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>Defect Studio</title>')
  services = await createAppServices({ mode: 'browser', startEngine: false })
  const uploads = uploadRoute({ dir: mkdtempSync(join(tmpdir(), 'ds-up-')) })
  running = await startBrowserServer({ services, port: 0, host, token, rendererDir: renderer }, [uploads.route])
  return running
}

function http(port: number, path: string, headers: Record<string, string>, method = 'GET', body?: string, address = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: address, port, path, method, headers }, (res) => {
      res.resume()
      resolve(res.statusCode ?? 0)
    })
    req.on('error', reject)
    req.end(body)
  })
}

function wsStatus(port: number, headers: Record<string, string>): Promise<string> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/api`, { headers })
    ws.on('open', () => {
      ws.close()
      resolve('open')
    })
    ws.on('unexpected-response', (_req, res) => resolve(`HTTP ${res.statusCode}`))
    ws.on('error', () => resolve('error'))
  })
}

describe('browser mode Host header (DNS rebinding)', () => {
  it('refuses a foreign Host on pages, media, uploads and the WebSocket, even with a matching Origin', async () => {
    const { port } = await start()
    const evil = { Host: `evil.example:${port}`, Origin: `http://evil.example:${port}` }
    expect(await http(port, '/', { Host: evil.Host })).toBe(421)
    expect(await http(port, '/media/image/1', { Host: evil.Host })).toBe(421)
    expect(await http(port, '/upload', { ...evil, 'X-File-Name': 'a.png' }, 'POST', 'x')).toBe(421)
    expect(await wsStatus(port, evil)).toBe('HTTP 421')
  })

  it('accepts 127.0.0.1, localhost and [::1] on its own port only', async () => {
    const { port } = await start()
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, `LOCALHOST:${port}`]) {
      expect(await http(port, '/', { Host: host })).toBe(200)
      expect(await wsStatus(port, { Host: host, Origin: `http://${host}` })).toBe('open')
    }
    expect(await http(port, '/', { Host: `127.0.0.1:${port + 1}` })).toBe(421)
    expect(await http(port, '/', { Host: '127.0.0.1' })).toBe(421)
    expect(await http(port, '/', { Host: `127.0.0.1.evil.example:${port}` })).toBe(421)
  })

  it('accepts the configured host when exposed, and still only with the token', async () => {
    const token = 'a-long-enough-test-token-123'
    const { port } = await start('127.0.0.2', token)
    const get = (path: string, host: string) => http(port, path, { Host: host }, 'GET', undefined, '127.0.0.2')
    expect(await get(`/?token=${token}`, `127.0.0.2:${port}`)).toBe(200)
    expect(await get(`/?token=${token}`, `evil.example:${port}`)).toBe(421)
    expect(await get('/', `127.0.0.2:${port}`)).toBe(401)
  })
})
