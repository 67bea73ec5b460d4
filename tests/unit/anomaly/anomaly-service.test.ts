import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateSyntheticSet, type SyntheticFile } from '../../support/synthetic-defects'
import { createProject, openProject, type ProjectStore } from '../../../electron/store/project-store'
import { importImages } from '../../../electron/services/import-service'
import { AnomalyService, workerAnomalyEngine } from '../../../electron/services/anomaly-service'
import { WorkerHost } from '../../../electron/engine/worker-host'
import { anomalyHandlers } from '../../../electron/engine/worker/handlers/anomaly'
import { initResnet18Weights } from '../../../electron/engine/models/resnet'
import { AnomalyDonePayload } from '../../../shared/contract/anomaly'

// A project with good images only (no defects labelled), 64 px, width 0.25.
let dir: string
let project: string
let files: SyntheticFile[]

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'anomaly-service-'))
  process.env.DEFECT_STUDIO_DATA_DIR = join(dir, 'data')
  const images = join(dir, 'images')
  ;({ files } = await generateSyntheticSet({ root: images, seed: 31, counts: { ok: 48 }, layout: 'imagefolder', valFraction: 0.25, width: 64, height: 64 }))
  project = join(dir, 'p.dsproj')
  const store = createProject(project)
  await importImages(store, { kind: 'folder', folder: images })
  store.close()
})

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('AnomalyService (the app side)', () => {
  it('fits from good images only, emits progress and a valid done event, and warns when calibration is too small for the rate', async () => {
    const store = openProject(project)
    const events: Array<{ event: string; payload: unknown }> = []
    const service = new AnomalyService({ project: () => store, emit: (event, payload) => events.push({ event, payload }), defaults: { size: 64, width: 0.25 } })
    try {
      expect(service.train({ targetFrr: 0.005, coresetFraction: 0.1 })).toEqual({ started: true })
      expect(() => service.train({})).toThrow(/already being fitted/)
      await service.idle()
      expect(events.some((e) => e.event === 'anomaly:progress')).toBe(true)
      const done = AnomalyDonePayload.parse(events.find((e) => e.event === 'anomaly:done')!.payload)
      expect(done.status).toBe('done')
      expect(done.activated).toBe(true)
      // No defects labelled: no AUROC or ROC, but a threshold from all 48 good images, each
      // scored against the bank without its own patches (leave-own-out).
      expect(done.imageAuroc).toBeNull()
      expect(done.roc).toBeNull()
      expect(done.calibration!.calibrationImages).toBe(48)
      expect(done.calibration!.calibrationFrr).toBeLessThan(1)
      expect(done.warnings.join(' ')).toMatch(/Only 48 good images .* needs at least 199/)
      const stored = store.models.get(done.modelVersion!)
      expect(stored.metrics.fitImages).toBe(48)
      expect(stored.metrics.calibrationMode).toBe('leave-own-out')
      expect(stored.metrics.calibrationScores).toHaveLength(48)
      expect(service.status().state).toBe('done')

      // The FRR setting: re-calibrate the stored version for 10 %.
      const c = await service.recalibrate(done.modelVersion!, 0.1)
      expect(c.warning).toBeUndefined()
      expect(c.threshold).toBeLessThan(done.threshold!)
      expect(store.models.get(done.modelVersion!).threshold).toBe(c.threshold)
    } finally {
      store.close()
    }
  })

  it('fits in the engine worker thread (the app path) with the same result as in-process', async () => {
    const store = openProject(project)
    const host = new WorkerHost()
    try {
      const events: Array<{ event: string; payload: unknown }> = []
      const inWorker = new AnomalyService({ project: () => store, emit: (event, payload) => events.push({ event, payload }), engine: workerAnomalyEngine(host), defaults: { size: 64, width: 0.25, activate: 'never' } })
      inWorker.train({ targetFrr: 0.1, coresetFraction: 0.2 })
      await inWorker.idle()
      const remote = AnomalyDonePayload.parse(events.find((e) => e.event === 'anomaly:done')!.payload)
      expect(remote.status).toBe('done')
      expect(events.some((e) => e.event === 'anomaly:progress')).toBe(true)
      const local = new AnomalyService({ project: () => store, emit: () => {}, defaults: { size: 64, width: 0.25, activate: 'never' } })
      local.train({ targetFrr: 0.1, coresetFraction: 0.2 })
      await local.idle()
      const here = local.status().last!
      expect(remote.bankSize).toBe(here.bankSize)
      expect(remote.threshold).toBeCloseTo(here.threshold!, 4)
      expect(store.models.onnx(remote.modelVersion!).byteLength).toBe(store.models.onnx(here.modelVersion!).byteLength)
    } finally {
      await host.dispose()
      store.close()
    }
  })

  it('reports a failed fit as a done event with the reason', async () => {
    const emptyFile = join(dir, 'empty.dsproj')
    const empty: ProjectStore = createProject(emptyFile)
    const events: Array<{ event: string; payload: unknown }> = []
    const service = new AnomalyService({ project: () => empty, emit: (event, payload) => events.push({ event, payload }) })
    service.train({})
    await service.idle()
    const done = AnomalyDonePayload.parse(events.at(-1)!.payload)
    expect(done.status).toBe('failed')
    expect(done.reason).toMatch(/no good class/)
    empty.close()
  })
})

describe('engine worker handlers', () => {
  it("'anomaly:fit' and 'anomaly:score' work on encoded images and skip unreadable ones with a reason", async () => {
    const good = files.filter((f) => f.className === 'ok').slice(0, 12)
    const images = [...(await Promise.all(good.map((f) => readFile(f.path)))).map((b) => new Uint8Array(b)), new Uint8Array([1, 2, 3])]
    const progress: unknown[] = []
    const ctx = { progress: (d: unknown) => progress.push(d), emit: () => {}, signal: new AbortController().signal }
    const fitted = (await anomalyHandlers['anomaly:fit'].run(
      { images, size: 64, fit: 'whole', weights: initResnet18Weights({ numClasses: 2, width: 0.25, seed: 0 }), options: { coresetFraction: 0.5 } },
      ctx
    )) as unknown as { result: { onnx: Uint8Array; stats: { images: number; bankSize: number }; skipped: Array<{ index: number; reason: string }> } }
    expect(fitted.result.stats.images).toBe(12)
    expect(fitted.result.stats.bankSize).toBe(12 * 64 * 0.5)
    expect(fitted.result.skipped).toHaveLength(1)
    expect(fitted.result.skipped[0]!.index).toBe(12)
    expect(fitted.result.skipped[0]!.reason).toMatch(/cannot decode/)
    expect(progress.length).toBeGreaterThan(0)
    const scored = (await anomalyHandlers['anomaly:score'].run({ onnx: fitted.result.onnx, images: images.slice(10), size: 64, fit: 'whole', maps: true }, ctx)) as unknown as {
      result: { results: Array<{ index: number; score: number; map?: Float32Array }>; skipped: Array<{ index: number }> }
    }
    expect(scored.result.results.map((r) => r.index)).toEqual([0, 1])
    expect(scored.result.results[0]!.map!.length).toBe(64 * 64)
    expect(scored.result.skipped.map((s) => s.index)).toEqual([2])
  })
})
