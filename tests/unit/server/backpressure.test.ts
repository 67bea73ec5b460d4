import { mkdirSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { startBrowserServer, type RunningServer } from '../../../electron/server/browser-server'
import { createAppServices, type AppServices } from '../../../electron/services/app-services'

// Issue 12 item 4: a client that sends requests but never reads the replies must not make
// the server queue them without bound (the audit saw 2.5 GB in 25 s).
let running: RunningServer | null = null
let services: AppServices | null = null
afterEach(async () => {
  await running?.close()
  await services?.close()
  running = null
  services = null
})

describe('browser mode WebSocket backpressure', () => {
  it('stops reading from a client that does not read, and answers every request once it does', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ds-backpressure-'))
    process.env.DEFECT_STUDIO_DATA_DIR = join(dir, 'data')
    // Sixty distinct small images: a page listing them all is a reply of several kB.
    mkdirSync(join(dir, 'data'))
    const files: string[] = []
    for (let n = 0; n < 60; n++) {
      const pixels = Buffer.alloc(16 * 16 * 3, n * 4)
      pixels[0] = n
      const file = join(dir, 'data', `part-with-a-long-descriptive-file-name-${String(n).padStart(3, '0')}.png`)
      await sharp(pixels, { raw: { width: 16, height: 16, channels: 3 } }).png().toFile(file)
      files.push(file)
    }
    services = await createAppServices({ mode: 'browser', startEngine: false })
    const limit = 512 * 1024
    running = await startBrowserServer({ services, port: 0, host: '127.0.0.1', token: null, rendererDir: dir, maxBufferedBytes: limit })
    const ws = new WebSocket(`ws://127.0.0.1:${running.port}/api`)
    await new Promise((resolve) => ws.on('open', resolve))
    const replies = new Map<number, number>()
    ws.on('message', (data) => {
      const m = JSON.parse(String(data)) as { id?: number }
      if (typeof m.id === 'number') replies.set(m.id, String(data).length)
    })
    const ask = (id: number, channel: string, payload: unknown) => ws.send(JSON.stringify({ id, channel, payload }))
    ask(1, 'projects:create', { path: join(dir, 'data', 'p.dsproj') })
    await expect.poll(() => replies.has(1)).toBe(true)
    ask(2, 'images:import-files', { paths: files })
    await expect.poll(() => replies.has(2), { timeout: 20_000 }).toBe(true)
    ask(3, 'images:list', {})
    await expect.poll(() => replies.has(3)).toBe(true)
    ask(4, 'images:list', { limit: 60 })
    await expect.poll(() => replies.has(4)).toBe(true)
    const replyBytes = replies.get(4)!
    expect(replyBytes).toBeGreaterThan(5_000)

    // Now stop reading, and send enough requests for ~60 MB of replies.
    ws.pause()
    const total = Math.ceil((60 * 1024 * 1024) / replyBytes)
    for (let i = 0; i < total; i++) ask(100 + i, 'images:list', { limit: 60 })
    await new Promise((resolve) => setTimeout(resolve, 3000))
    const stats = running.stats()
    // Kernel socket buffers hold a few MB; the server itself holds at most about its limit.
    expect(stats.bufferedBytes).toBeLessThan(limit + 40 * replyBytes)
    expect(stats.handled).toBeLessThan(total)

    ws.resume()
    await expect.poll(() => replies.size, { timeout: 60_000, interval: 200 }).toBe(4 + total)
    ws.close()
  })
})
