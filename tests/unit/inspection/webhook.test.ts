import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DEFAULT_INSPECTION_SETTINGS, type InspectionModelInfo } from '../../../shared/contract/inspection'
import { HistoryStore } from '../../../electron/store/history/history-store'
import { InspectionPipeline } from '../../../electron/services/inspection/pipeline'
import { InspectionRecorder } from '../../../electron/services/inspection/recorder'
import { WebhookSender } from '../../../electron/services/inspection/webhook'
import { connectionOf } from '../../support/store-connection'

/** A loopback endpoint that answers 500 to the first `failures` requests, then 200. */
function flakyServer(failures: number, delayMs = 0) {
  const received: Array<{ body: Record<string, unknown>; ok: boolean }> = []
  let seen = 0
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const ok = seen++ >= failures
      received.push({ body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>, ok })
      setTimeout(() => {
        res.writeHead(ok ? 200 : 500)
        res.end()
      }, delayMs)
    })
  })
  return {
    received,
    start: () => new Promise<string>((r) => server.listen(0, '127.0.0.1', () => r(`http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`))),
    stop: () => new Promise<void>((r) => server.close(() => r()))
  }
}

let dir: string
let history: HistoryStore
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ds-webhook-'))
  history = HistoryStore.open(join(dir, 'p.history.sqlite'))
})
afterEach(() => {
  history.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('WebhookSender', () => {
  it('retries a failing endpoint until it succeeds, in order, losing nothing', async () => {
    const server = flakyServer(3)
    const url = await server.start()
    const errors: string[] = []
    const sender = new WebhookSender({ outbox: history.webhookOutbox, baseBackoffMs: 20, maxBackoffMs: 100, onError: (m) => errors.push(m) })
    for (let i = 0; i < 10; i++) sender.enqueue(url, { partId: `P${i}` })
    // enqueue returned without waiting for any delivery.
    expect(sender.deliveredCount()).toBe(0)
    expect(sender.pending()).toBe(10)
    await sender.drained()
    sender.close()
    await server.stop()
    const delivered = server.received.filter((r) => r.ok).map((r) => r.body.partId)
    expect(delivered).toEqual(Array.from({ length: 10 }, (_, i) => `P${i}`))
    expect(server.received.filter((r) => !r.ok).length).toBe(3)
    expect(server.received.filter((r) => !r.ok).every((r) => r.body.partId === 'P0')).toBe(true)
    expect(errors.length).toBeGreaterThan(0)
    expect(sender.pending()).toBe(0)
  })

  it('keeps undelivered results in the persisted outbox across a restart', async () => {
    const down = 'http://127.0.0.1:9/unreachable' // discard port: connection refused
    const first = new WebhookSender({ outbox: history.webhookOutbox, baseBackoffMs: 10_000 })
    first.enqueue(down, { partId: 'A' })
    first.enqueue(down, { partId: 'B' })
    await new Promise((r) => setTimeout(r, 200))
    first.close()
    expect(history.webhookOutbox.count()).toBe(2)
    // The endpoint comes back; a new process re-points the rows (the URL is config) and delivers.
    const server = flakyServer(0)
    const url = await server.start()
    connectionOf(history).prepare('UPDATE webhook_outbox SET url = ?, next_attempt_ms = 0').run(url)
    const second = new WebhookSender({ outbox: history.webhookOutbox, baseBackoffMs: 10 })
    await second.drained()
    second.close()
    await server.stop()
    expect(server.received.map((r) => r.body.partId)).toEqual(['A', 'B'])
  })

  it('never makes inspection wait: every verdict is out while the endpoint still fails', async () => {
    const server = flakyServer(5, 150)
    const url = await server.start()
    const settings = { ...DEFAULT_INSPECTION_SETTINGS, webhookUrl: url, jsonlPath: join(dir, 'log', 'results.jsonl') }
    const recorder = new InspectionRecorder({ history, settings: () => settings, webhook: { baseBackoffMs: 20, maxBackoffMs: 50 } })
    const models: InspectionModelInfo = { classifier: { version: 1, classes: ['ok', 'dent'], goodClass: 'ok', threshold: 0.5, size: 32, fit: 'whole' }, anomaly: null }
    let n = 0
    const pipeline = new InspectionPipeline({
      engine: { infer: async () => ({ probabilities: [0.8, 0.2] }), restart: async () => {} },
      sink: (r, img) => recorder.record(r, img),
      deadlineMs: 5000,
      actor: () => 'op',
      nextPartId: () => `P${n++}`
    })
    pipeline.setModels(models)
    const outcomes = await Promise.all(Array.from({ length: 8 }, () => pipeline.submit({ image: Buffer.from('x'), capturedAt: Date.now(), source: 'cli', triggered: true })))
    expect(outcomes.every((o) => !o.dropped)).toBe(true)
    // All 8 verdicts are out; the endpoint has not accepted a single one yet.
    expect(server.received.filter((r) => r.ok).length).toBe(0)
    expect(recorder.webhook.pending()).toBe(8)
    await recorder.webhook.drained()
    await recorder.flush()
    recorder.close()
    await server.stop()
    expect(server.received.filter((r) => r.ok).map((r) => r.body.partId)).toEqual(Array.from({ length: 8 }, (_, i) => `P${i}`))
    const { readFileSync } = await import('node:fs')
    const lines = readFileSync(settings.jsonlPath, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { partId: string; verdict: string; modelVersion: number })
    expect(lines.map((l) => l.partId)).toEqual(Array.from({ length: 8 }, (_, i) => `P${i}`))
    expect(lines.every((l) => l.verdict === 'PASS' && l.modelVersion === 1)).toBe(true)
  })
})
