import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { InspectionModelInfo, InspectionRecord } from '../../../shared/contract/inspection'
import { HistoryStore } from '../../../electron/store/history/history-store'
import { InspectionPipeline, type EngineOutput, type EngineRequest, type InspectionEngine } from '../../../electron/services/inspection/pipeline'

/**
 * The pipeline with a scripted engine: timing is under the test's control, so the drop
 * policy, deadlines and the watchdog are checked exactly. The same pipeline with the real
 * ONNX engine is exercised in pipeline-engine.test.ts.
 */
const models: InspectionModelInfo = {
  classifier: { version: 3, classes: ['ok', 'scratch'], goodClass: 'ok', threshold: 0.5, size: 32, fit: 'whole' },
  anomaly: null
}

class ScriptedEngine implements InspectionEngine {
  calls: EngineRequest[] = []
  restarts: string[] = []
  constructor(public behave: (image: Buffer) => Promise<EngineOutput>) {}
  infer(request: EngineRequest): Promise<EngineOutput> {
    this.calls.push(request)
    return this.behave(request.image)
  }
  async restart(reason: string): Promise<void> {
    this.restarts.push(reason)
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))
/** Frame i's "image" carries its index; even frames are good, odd ones defective. */
const frameImage = (i: number): Buffer => Buffer.from(String(i))
const scoreOf = (image: Buffer): EngineOutput => {
  const i = Number(image.toString())
  return { probabilities: i % 2 === 0 ? [0.9, 0.1] : [0.2, 0.8] }
}

let dir: string
let history: HistoryStore
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ds-pipeline-'))
  history = HistoryStore.open(join(dir, 'p.history.sqlite'))
})
afterEach(() => {
  history.close()
  rmSync(dir, { recursive: true, force: true })
})

function makePipeline(engine: InspectionEngine, opts: { deadlineMs?: number; watchdogMs?: number } = {}) {
  const incidents: string[] = []
  const swaps: string[] = []
  const results: InspectionRecord[] = []
  let counter = 0
  const pipeline = new InspectionPipeline({
    engine,
    deadlineMs: opts.deadlineMs ?? 5000,
    watchdogMs: opts.watchdogMs,
    actor: () => 'tester',
    nextPartId: () => `P-${++counter}`,
    sink: (record, image) => history.inspections.insert(record, record.verdict === 'PASS' ? null : { bytes: image, mime: 'image/png' }),
    onIncident: (kind, detail) => {
      incidents.push(kind)
      history.incidents.record(kind, detail)
    },
    onModelSwap: (s) => swaps.push(`${s.kind}:${s.from}->${s.to}`),
    onResult: (r) => results.push(r)
  })
  pipeline.setModels(models)
  return { pipeline, incidents, swaps, results }
}

describe('InspectionPipeline', () => {
  it('drops older camera frames when they come faster than inference (latest wins) and records every inspected one', async () => {
    const engine = new ScriptedEngine(async (img) => {
      await sleep(30)
      return scoreOf(img)
    })
    const { pipeline } = makePipeline(engine)
    // A generated stream: 60 frames every 5 ms against a 30 ms engine.
    const outcomes: Array<Promise<unknown>> = []
    for (let i = 0; i < 60; i++) {
      outcomes.push(pipeline.submit({ image: frameImage(i), capturedAt: Date.now(), source: 'camera' }))
      await sleep(5)
    }
    const settled = (await Promise.all(outcomes)) as Array<{ dropped: boolean; record?: InspectionRecord }>
    await pipeline.whenIdle()
    const inspected = settled.filter((o) => !o.dropped)
    const dropped = settled.filter((o) => o.dropped)
    const stats = pipeline.stats()
    expect(dropped.length).toBeGreaterThan(20)
    expect(stats.dropped).toBe(dropped.length)
    expect(stats.inspected).toBe(inspected.length)
    expect(engine.calls.length).toBe(inspected.length)
    // The newest frame is never dropped.
    expect(settled[59]!.dropped).toBe(false)
    // Nothing lost from the record: every inspected frame is in the history, with its verdict.
    const { total, rows } = history.inspections.list({}, { limit: 1000, offset: 0 })
    expect(total).toBe(inspected.length)
    expect(new Set(rows.map((r) => r.id))).toEqual(new Set(inspected.map((o) => o.record!.id)))
    for (const o of inspected) expect(o.record).toMatchObject({ modelVersion: 3, actor: 'tester', source: 'camera' })
    // Verdicts follow the engine's scores: even frames are good.
    const evenCalls = engine.calls.filter((c) => Number(c.image.toString()) % 2 === 0).length
    expect(stats.passed).toBe(evenCalls)
    expect(stats.passed + stats.failed).toBe(stats.inspected)
    // Latency statistics: capture-to-verdict covers at least the engine's 30 ms.
    expect(stats.latencyP50).toBeGreaterThanOrEqual(29)
    expect(stats.latencyP95).toBeGreaterThanOrEqual(stats.latencyP50)
    expect(stats.fps).toBeGreaterThan(0)
  })

  it('never drops triggered frames: each gets a verdict in order', async () => {
    const engine = new ScriptedEngine(async (img) => {
      await sleep(10)
      return scoreOf(img)
    })
    const { pipeline } = makePipeline(engine)
    const outcomes = await Promise.all(
      Array.from({ length: 12 }, (_, i) => pipeline.submit({ image: frameImage(i), capturedAt: Date.now(), source: 'camera', triggered: true, partId: `T${i}` }))
    )
    expect(outcomes.every((o) => !o.dropped)).toBe(true)
    expect(outcomes.map((o) => (o.dropped ? '' : o.record.verdict))).toEqual(Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? 'PASS' : 'FAIL')))
    expect(pipeline.stats().dropped).toBe(0)
    expect(history.inspections.list({}).total).toBe(12)
    expect(history.inspections.list({ verdict: 'FAIL' }).rows.every((r) => r.imageKept)).toBe(true)
  })

  it('gives NO_VERDICT (a reject) on an engine error, a late verdict and no model, and records each', async () => {
    const engine = new ScriptedEngine(async () => {
      throw new Error('session exploded')
    })
    const { pipeline, incidents } = makePipeline(engine, { deadlineMs: 100 })
    const err = await pipeline.submit({ image: frameImage(0), capturedAt: Date.now(), source: 'camera', triggered: true })
    expect(err).toMatchObject({ dropped: false, record: { verdict: 'NO_VERDICT', reason: 'engine-error' } })
    expect(incidents).toContain('engine-error')

    engine.behave = async (img) => {
      await sleep(200)
      return scoreOf(img)
    }
    const late = await pipeline.submit({ image: frameImage(0), capturedAt: Date.now(), source: 'camera', triggered: true })
    expect(late).toMatchObject({ dropped: false, record: { verdict: 'NO_VERDICT', reason: 'deadline' } })

    engine.behave = async (img) => scoreOf(img)
    const stale = await pipeline.submit({ image: frameImage(0), capturedAt: Date.now() - 1000, source: 'camera', triggered: true })
    expect(stale).toMatchObject({ dropped: false, record: { verdict: 'NO_VERDICT', reason: 'deadline' } })

    pipeline.setModels({ classifier: null, anomaly: null })
    const none = await pipeline.submit({ image: frameImage(0), capturedAt: Date.now(), source: 'camera', triggered: true })
    expect(none).toMatchObject({ dropped: false, record: { verdict: 'NO_VERDICT', reason: 'no-model', modelVersion: null } })

    const s = pipeline.stats()
    expect(s).toMatchObject({ inspected: 4, noVerdict: 4, passed: 0, failRate: 1 })
    expect(history.inspections.list({ verdict: 'NO_VERDICT' }).total).toBe(4)
    // Rejects keep their image for review.
    expect(history.inspections.list({ verdict: 'NO_VERDICT' }).rows.every((r) => r.imageKept)).toBe(true)
  })

  it('restarts a hung engine (watchdog), records the incident and carries on', async () => {
    let hang = true
    const engine = new ScriptedEngine((img) => (hang ? new Promise<EngineOutput>(() => {}) : Promise.resolve(scoreOf(img))))
    const { pipeline, incidents } = makePipeline(engine, { deadlineMs: 100, watchdogMs: 200 })
    const hung = await pipeline.submit({ image: frameImage(0), capturedAt: Date.now(), source: 'camera', triggered: true })
    expect(hung).toMatchObject({ record: { verdict: 'NO_VERDICT', reason: 'deadline' } })
    expect(engine.restarts.length).toBe(1)
    expect(incidents).toContain('watchdog-restart')
    expect(history.incidents.list().map((i) => i.kind)).toContain('watchdog-restart')
    hang = false
    const next = await pipeline.submit({ image: frameImage(2), capturedAt: Date.now(), source: 'camera', triggered: true })
    expect(next).toMatchObject({ record: { verdict: 'PASS' } })
    expect(pipeline.stats().watchdogRestarts).toBe(1)
  })

  it('swaps models between frames and announces it', async () => {
    let release: () => void = () => {}
    const engine = new ScriptedEngine(
      (img) =>
        new Promise((resolve) => {
          release = () => resolve(scoreOf(img))
        })
    )
    const { pipeline, swaps } = makePipeline(engine)
    const first = pipeline.submit({ image: frameImage(0), capturedAt: Date.now(), source: 'camera', triggered: true })
    const second = pipeline.submit({ image: frameImage(0), capturedAt: Date.now(), source: 'camera', triggered: true })
    await sleep(5)
    pipeline.swapModels({ ...models, classifier: { ...models.classifier!, version: 4 } })
    expect(swaps).toEqual([]) // not in the middle of a frame
    release()
    const a = await first
    await sleep(5)
    release()
    const b = await second
    expect(a).toMatchObject({ record: { modelVersion: 3 } })
    expect(b).toMatchObject({ record: { modelVersion: 4 } })
    expect(swaps).toEqual(['classifier:3->4'])
  })

  it('inspects nothing while paused', async () => {
    const engine = new ScriptedEngine(async (img) => scoreOf(img))
    const { pipeline } = makePipeline(engine)
    pipeline.setPaused(true)
    expect(await pipeline.submit({ image: frameImage(0), capturedAt: Date.now(), source: 'camera' })).toEqual({ dropped: true })
    pipeline.setPaused(false)
    expect(await pipeline.submit({ image: frameImage(0), capturedAt: Date.now(), source: 'camera' })).toMatchObject({ dropped: false })
    expect(pipeline.stats()).toMatchObject({ inspected: 1, dropped: 0 })
  })
})
