import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { startBrowserServer, type RunningServer } from '../../../electron/server/browser-server'
import { removeStaleUploads, uploadRoute } from '../../../electron/server/uploads'
import { createAppServices, type AppServices } from '../../../electron/services/app-services'

// Issue 12 item 4: uploads are bounded, never mix, clean up after a crash, and long names get
// a clear 4xx without a server path.
let running: RunningServer | null = null
let services: AppServices | null = null
afterEach(async () => {
  await running?.close()
  await services?.close()
  running = null
  services = null
})

async function start(opts: { maxBytes?: number; maxTotalBytes?: number } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'ds-upl-'))
  process.env.DEFECT_STUDIO_DATA_DIR = join(dir, 'data')
  services = await createAppServices({ mode: 'browser', startEngine: false })
  const uploads = uploadRoute({ dir: join(dir, 'uploads'), ...opts })
  running = await startBrowserServer({ services, port: 0, host: '127.0.0.1', token: null, rendererDir: dir }, [uploads.route])
  return { base: `http://127.0.0.1:${running.port}`, port: running.port, dir }
}

/** POST a body in slow chunks so two uploads really overlap. */
function slowUpload(port: number, headers: Record<string, string>, byte: number, chunks: number): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/upload', method: 'POST', headers }, (res) => {
      let text = ''
      res.on('data', (c: Buffer) => (text += c.toString()))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }))
    })
    req.on('error', reject)
    let sent = 0
    const tick = () => {
      if (sent === chunks) return req.end()
      sent += 1
      req.write(Buffer.alloc(1024, byte))
      setTimeout(tick, 5)
    }
    tick()
  })
}

describe('browser mode uploads, bounded and safe', () => {
  it('two parallel uploads to the same folder path never mix their content', async () => {
    const { port } = await start()
    const headers = (tag: string) => ({ 'X-File-Name': 'a.png', 'X-Upload-Batch': 'same', 'X-Relative-Path': encodeURIComponent('photos/ok/a.png'), 'X-Tag': tag })
    const [a, b] = await Promise.all([slowUpload(port, headers('a'), 0x61, 40), slowUpload(port, headers('b'), 0x62, 40)])
    expect(a.status).toBe(200)
    expect(b.status).toBe(200)
    const content = readFileSync(a.body.path)
    expect(content.length).toBe(40 * 1024)
    expect(new Set(content).size).toBe(1)
  })

  it('caps the total bytes one server accepts', async () => {
    const { base } = await start({ maxBytes: 1000, maxTotalBytes: 2500 })
    const send = (name: string) => fetch(`${base}/upload`, { method: 'POST', body: new Uint8Array(900), headers: { 'X-File-Name': name } })
    expect((await send('1.png')).status).toBe(200)
    expect((await send('2.png')).status).toBe(200)
    const third = await send('3.png')
    expect(third.status).toBe(507)
    expect(((await third.json()) as { error: string }).error).toMatch(/upload space|uploads/i)
  })

  it('long file or folder names get a clear 400 without a server path', async () => {
    const { base, dir } = await start()
    const long = `${'ж'.repeat(200)}.png` // 400 bytes in UTF-8: over the 255-byte limit of file systems
    const r1 = await fetch(`${base}/upload`, { method: 'POST', body: 'x', headers: { 'X-File-Name': encodeURIComponent(long) } })
    expect(r1.status).toBe(400)
    const t1 = await r1.text()
    expect(t1).toMatch(/file name .* is too long/)
    expect(t1).not.toContain(dir)
    const deep = Array.from({ length: 40 }, () => 'd'.repeat(100)).join('/') + '/a.png'
    const r2 = await fetch(`${base}/upload`, { method: 'POST', body: 'x', headers: { 'X-File-Name': 'a.png', 'X-Upload-Batch': 'b2', 'X-Relative-Path': encodeURIComponent(deep) } })
    expect(r2.status).toBe(400)
    const t2 = await r2.text()
    expect(t2).toMatch(/too long/)
    expect(t2).not.toContain(dir)
  })

  it('removes the upload folders of servers that are gone, keeping live ones', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'ds-upl-parent-'))
    const dead = join(parent, '999999-deadbeef')
    const live = join(parent, `${process.pid}-cafebabe`)
    const other = join(parent, 'not-ours')
    for (const d of [dead, live, other]) {
      mkdirSync(d)
      writeFileSync(join(d, 'x.part'), 'left over')
    }
    const removed = await removeStaleUploads(parent)
    expect(removed).toEqual([dead])
    expect(existsSync(dead)).toBe(false)
    expect(existsSync(live)).toBe(true)
    expect(existsSync(other)).toBe(true)
  })
})
