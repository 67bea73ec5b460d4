import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { InspectionModelInfo } from '../../../shared/contract/inspection'
import { HistoryStore } from '../../../electron/store/history/history-store'
import { InspectionPipeline, type EngineOutput } from '../../../electron/services/inspection/pipeline'
import { FRAME_STAGES, frameStages, type FrameTrace } from '../../../shared/timing/frame-stages'

/**
 * The per-frame stage times bench/inspect-ui.ts prints: the pipeline stamps where a frame
 * waited and ran (FrameTiming), and frameStages splits a whole trace into stages that add
 * up to the capture-to-screen time.
 */
const models: InspectionModelInfo = {
  classifier: { version: 1, classes: ['ok', 'bad'], goodClass: 'ok', threshold: 0.5, size: 32, fit: 'whole' },
  anomaly: null
}
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

let dir: string
let history: HistoryStore
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ds-frame-timing-'))
  history = HistoryStore.open(join(dir, 'p.history.sqlite'))
})
afterEach(() => {
  history.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('frame timing', () => {
  it('the pipeline stamps, in order, the wait behind another frame, the engine and the record', async () => {
    const pipeline = new InspectionPipeline({
      engine: {
        infer: async (): Promise<EngineOutput> => {
          const start = performance.timeOrigin + performance.now()
          await sleep(25)
          return { probabilities: [0.9, 0.1], worker: { start, end: performance.timeOrigin + performance.now() } }
        },
        restart: async () => undefined
      },
      sink: (record) => history.inspections.insert(record, null),
      deadlineMs: 5000,
      actor: () => 't',
      nextPartId: () => 'P'
    })
    pipeline.setModels(models)
    const first = pipeline.submit({ image: Buffer.from('a'), capturedAt: Date.now(), source: 'camera', triggered: true })
    const second = pipeline.submit({ image: Buffer.from('b'), capturedAt: Date.now(), source: 'camera', triggered: true })
    const [a, b] = await Promise.all([first, second])
    if (a.dropped || b.dropped) throw new Error('triggered frames are never dropped')
    for (const { timing: t } of [a, b]) {
      expect(t.received).toBeLessThanOrEqual(t.engineStart)
      expect(t.engineStart).toBeLessThanOrEqual(t.workerStart!)
      expect(t.workerEnd! - t.workerStart!).toBeGreaterThanOrEqual(20)
      expect(t.workerEnd).toBeLessThanOrEqual(t.engineEnd)
      expect(t.engineEnd).toBeLessThanOrEqual(t.recorded)
    }
    // The second frame waited for the first one's engine call.
    expect(b.timing.engineStart - b.timing.received).toBeGreaterThanOrEqual(20)
    expect(a.timing.engineStart - a.timing.received).toBeLessThan(20)
  })

  it('splits a trace into stages that add up to capture-to-screen, and refuses an incomplete one', () => {
    const trace: FrameTrace = {
      capturedAt: 1,
      taken: 1000,
      grabbed: 1002,
      prepared: 1005,
      sent: 1005.5,
      received: 1030,
      shown: 1031,
      server: { received: 1008, engineStart: 1009, workerStart: 1010, workerEnd: 1020, engineEnd: 1021, recorded: 1023 }
    }
    const stages = frameStages(trace, 1040)!
    expect(Object.keys(stages)).toEqual(FRAME_STAGES.map(([name]) => name))
    expect(Object.values(stages).reduce((a, b) => a + b, 0)).toBeCloseTo(40, 6)
    expect(stages).toMatchObject({ grab: 2, prepare: 3, up: 2.5, queue: 1, worker: 10, down: 7, paint: 9 })
    expect(frameStages({ ...trace, server: undefined }, 1040)).toBeNull()
  })
})
