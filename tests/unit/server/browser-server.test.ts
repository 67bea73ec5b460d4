import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { startBrowserServer, type RunningServer } from '../../../electron/server/browser-server'
import { createAppServices, type AppServices } from '../../../electron/services/app-services'

let running: RunningServer | null = null
let services: AppServices | null = null

afterEach(async () => {
  await running?.close()
  await services?.close()
  running = null
  services = null
})

function fakeRenderer(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ds-renderer-'))
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Defect Studio</title>')
  mkdirSync(join(dir, 'assets'))
  writeFileSync(join(dir, 'assets', 'app.js'), 'console.log(1)')
  return dir
}

async function start(opts: { host?: string; token?: string | null } = {}): Promise<RunningServer> {
  process.env.DEFECT_STUDIO_DATA_DIR = mkdtempSync(join(tmpdir(), 'ds-data-'))
  services = await createAppServices({ mode: 'browser', startEngine: false })
  running = await startBrowserServer({ services, port: 0, host: opts.host ?? '127.0.0.1', token: opts.token ?? null, rendererDir: fakeRenderer() })
  return running
}

function call(url: string, message: unknown, headers: Record<string, string> = {}): Promise<any> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers })
    ws.on('error', reject)
    ws.on('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)))
    ws.on('open', () => ws.send(typeof message === 'string' ? message : JSON.stringify(message)))
    ws.on('message', (data) => {
      resolve(JSON.parse(String(data)))
      ws.close()
    })
  })
}

describe('browser mode server', () => {
  it('serves the renderer with a CSP and runs the contract over a WebSocket', async () => {
    const server = await start()
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/)
    const page = await fetch(server.url)
    expect(page.status).toBe(200)
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'")
    expect(await page.text()).toContain('Defect Studio')
    const reply = await call(`ws://127.0.0.1:${server.port}/api`, { id: 1, channel: 'app:ping', payload: { echo: 'hello' } })
    expect(reply).toEqual({ id: 1, result: { ok: true, value: { echo: 'hello' } } })
  })

  it('validates payloads exactly like IPC and refuses malformed messages', async () => {
    const server = await start()
    const bad = await call(`ws://127.0.0.1:${server.port}/api`, { id: 2, channel: 'app:ping', payload: { echo: 1 } })
    expect(bad).toMatchObject({ id: 2, result: { ok: false, error: { code: 'invalid-payload' } } })
    const unknown = await call(`ws://127.0.0.1:${server.port}/api`, { id: 3, channel: 'fs:read', payload: {} })
    expect(unknown).toMatchObject({ id: 3, result: { ok: false, error: { code: 'unknown-channel' } } })
    const garbage = await call(`ws://127.0.0.1:${server.port}/api`, 'not json')
    expect(garbage).toMatchObject({ result: { ok: false, error: { code: 'invalid-payload' } } })
  })

  it('refuses a WebSocket opened by another site (cross-site hijacking)', async () => {
    const server = await start()
    await expect(call(`ws://127.0.0.1:${server.port}/api`, { id: 1, channel: 'app:ping', payload: { echo: 'x' } }, { Origin: 'https://evil.example' })).rejects.toThrow(/403/)
  })

  it('does not serve files outside the renderer folder', async () => {
    const server = await start()
    const res = await fetch(`http://127.0.0.1:${server.port}/..%2f..%2f..%2fetc%2fpasswd`)
    expect(await res.text()).not.toContain('root:')
  })

  it('needs a token when exposed beyond loopback', async () => {
    process.env.DEFECT_STUDIO_DATA_DIR = mkdtempSync(join(tmpdir(), 'ds-data-'))
    services = await createAppServices({ mode: 'browser', startEngine: false })
    await expect(startBrowserServer({ services, port: 0, host: '0.0.0.0', token: null, rendererDir: fakeRenderer() })).rejects.toThrow(/token/)
    const token = 'a-long-enough-test-token-123'
    running = await startBrowserServer({ services, port: 0, host: '0.0.0.0', token, rendererDir: fakeRenderer() })
    const denied = await fetch(`http://127.0.0.1:${running.port}/`)
    expect(denied.status).toBe(401)
    await expect(call(`ws://127.0.0.1:${running.port}/api`, { id: 1, channel: 'app:ping', payload: { echo: 'x' } })).rejects.toThrow(/403/)
    const allowed = await fetch(`http://127.0.0.1:${running.port}/?token=${token}`)
    expect(allowed.status).toBe(200)
    expect(allowed.headers.get('set-cookie')).toContain('HttpOnly')
    const reply = await call(`ws://127.0.0.1:${running.port}/api?token=${token}`, { id: 9, channel: 'app:ping', payload: { echo: 'ok' } })
    expect(reply.result).toEqual({ ok: true, value: { echo: 'ok' } })
  })
})

describe('browser mode uploads', () => {
  it('streams a dropped file to a temporary folder, refuses oversize files and other sites', async () => {
    const { uploadRoute } = await import('../../../electron/server/uploads')
    process.env.DEFECT_STUDIO_DATA_DIR = mkdtempSync(join(tmpdir(), 'ds-data-'))
    services = await createAppServices({ mode: 'browser', startEngine: false })
    const uploads = uploadRoute({ dir: mkdtempSync(join(tmpdir(), 'ds-up-')), maxBytes: 1000 })
    running = await startBrowserServer({ services, port: 0, host: '127.0.0.1', token: null, rendererDir: fakeRenderer() }, [uploads.route])
    const base = `http://127.0.0.1:${running.port}`
    const ok = await fetch(`${base}/upload`, { method: 'POST', body: new Uint8Array(500), headers: { 'X-File-Name': encodeURIComponent('пластина 1.png') } })
    expect(ok.status).toBe(200)
    const body = (await ok.json()) as { path: string; bytes: number }
    expect(body.path.endsWith('пластина 1.png')).toBe(true)
    expect(body.bytes).toBe(500)
    const big = await fetch(`${base}/upload`, { method: 'POST', body: new Uint8Array(5000), headers: { 'X-File-Name': 'big.png' } })
    expect(big.status).toBe(413)
    expect(((await big.json()) as { error: string }).error).toContain('big.png')
    const noName = await fetch(`${base}/upload`, { method: 'POST', body: new Uint8Array(5) })
    expect(noName.status).toBe(400)
    const crossSite = await fetch(`${base}/upload`, { method: 'POST', body: new Uint8Array(5), headers: { 'X-File-Name': 'a.png', Origin: 'https://evil.example' } })
    expect(crossSite.status).toBe(403)
    await uploads.cleanup()
  })
})

describe('browser mode folder uploads', () => {
  it('keeps a picked folder\'s class subfolders under one batch and refuses paths that leave it', async () => {
    const { uploadRoute } = await import('../../../electron/server/uploads')
    const { readFileSync } = await import('node:fs')
    process.env.DEFECT_STUDIO_DATA_DIR = mkdtempSync(join(tmpdir(), 'ds-data-'))
    services = await createAppServices({ mode: 'browser', startEngine: false })
    const uploads = uploadRoute({ dir: mkdtempSync(join(tmpdir(), 'ds-up-')) })
    running = await startBrowserServer({ services, port: 0, host: '127.0.0.1', token: null, rendererDir: fakeRenderer() }, [uploads.route])
    const base = `http://127.0.0.1:${running.port}`
    const send = (relative: string, body: string, batch = 'b1') =>
      fetch(`${base}/upload`, { method: 'POST', body, headers: { 'X-File-Name': encodeURIComponent(relative.split('/').pop()!), 'X-Upload-Batch': batch, 'X-Relative-Path': encodeURIComponent(relative) } })
    const a = (await (await send('photos/ok/a.png', 'AAA')).json()) as { path: string; root: string }
    const b = (await (await send('photos/scratch/b.png', 'BB')).json()) as { path: string; root: string }
    expect(a.root).toBe(b.root)
    expect(a.path).toBe(join(a.root, 'photos', 'ok', 'a.png'))
    expect(readFileSync(join(b.root, 'photos', 'scratch', 'b.png'), 'utf8')).toBe('BB')
    expect((await send('photos/../../etc/x.png', 'x')).status).toBe(400)
    expect((await send('photos/ok/c.png', 'x', 'bad batch!')).status).toBe(400)
    await uploads.cleanup()
  })
})
