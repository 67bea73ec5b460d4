import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { startBrowserServer, type RunningServer } from '../../../electron/server/browser-server'
import { createAppServices, type AppServices } from '../../../electron/services/app-services'
import { decodeBinaryMessage, encodeBinaryCall } from '../../../shared/contract/binary-message'
import type { FrameOutcome, InspectionHeatmap } from '../../../shared/contract/inspection'
import { createTinyProject } from '../inspection/fixture'

/**
 * A camera frame through browser mode as the screen sends it (one binary message, as the
 * renderer's WebSocket transport encodes it), the real server and services, the inspection
 * worker. The heatmap comes back as bytes (a binary reply and a binary event), not as a
 * JSON list of numbers. The renderer side of the decoding is in tests/renderer/api-transports.test.ts.
 */
let dir: string
let services: AppServices
let server: RunningServer

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ds-frame-ws-'))
  process.env.DEFECT_STUDIO_DATA_DIR = join(dir, 'data')
  const store = createTinyProject(dir)
  store.settings.set('inspection', { deadlineMs: 60_000, heatmap: true })
  const projectFile = store.file
  store.close()
  const renderer = join(dir, 'renderer')
  mkdirSync(renderer)
  writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>t</title>')
  services = await createAppServices({ mode: 'browser', projectFile, startEngine: false })
  server = await startBrowserServer({ services, port: 0, host: '127.0.0.1', token: null, rendererDir: renderer })
})
afterAll(async () => {
  await server?.close()
  await services?.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('a camera frame over the WebSocket', () => {
  it('answers with the heatmap as bytes, in the reply and in the result event', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api`)
    const messages: Array<{ id?: number; event?: string; result?: { ok: boolean; value: unknown }; payload?: unknown; binary: boolean }> = []
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      const m = (isBinary ? decodeBinaryMessage(new Uint8Array(data)) : JSON.parse(String(data))) as (typeof messages)[number]
      messages.push({ ...m, binary: isBinary })
    })
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject))
    ws.send(JSON.stringify({ id: 1, channel: 'inspection:start', payload: { source: 'camera' } }))
    await expect.poll(() => messages.find((m) => m.id === 1)?.result?.ok, { timeout: 30_000 }).toBe(true)
    const jpeg = await sharp({ create: { width: 80, height: 60, channels: 3, background: { r: 120, g: 90, b: 60 } } }).jpeg().toBuffer()
    ws.send(encodeBinaryCall({ id: 2, channel: 'inspection:frame', payload: { image: new Uint8Array(jpeg), capturedAt: Date.now(), triggered: true, source: 'camera' } }))
    await expect.poll(() => messages.find((m) => m.id === 2), { timeout: 30_000 }).toBeTruthy()
    const reply = messages.find((m) => m.id === 2)!
    expect(reply.result!.ok).toBe(true)
    const outcome = reply.result!.value as FrameOutcome
    if (outcome.dropped) throw new Error('a triggered frame was dropped')
    const heatmap = outcome.heatmap!
    expect(reply.binary).toBe(true)
    expect(heatmap.values).toBeInstanceOf(Uint8Array)
    expect(heatmap.values.length).toBe(heatmap.width * heatmap.height)
    expect(Math.max(heatmap.width, heatmap.height)).toBeLessThanOrEqual(48)
    const event = messages.find((m) => m.event === 'inspection:result')!
    expect(event.binary).toBe(true)
    const eventHeatmap = (event.payload as { heatmap: InspectionHeatmap }).heatmap
    expect(Array.from(eventHeatmap.values)).toEqual(Array.from(heatmap.values))
    ws.close()
  }, 60_000)
})
