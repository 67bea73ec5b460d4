import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as ort from 'onnxruntime-node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ImageItem, MisclassifiedItem } from '../../../shared/contract/images'
import { imagesHandlers } from '../../../electron/services/handlers/images'
import { predictionsHandlers } from '../../../electron/services/handlers/predictions'
import { ImportService } from '../../../electron/services/import-service'
import { ProjectService } from '../../../electron/services/project-service'
import { Router } from '../../../electron/services/router'
import { computePredictions, inProcessClassifierRunner, workerClassifierRunner, type ClassifierRunnerFactory } from '../../../electron/services/suggestion-service'
import { WorkerHost } from '../../../electron/engine/worker-host'
import { preprocessImage } from '../../../electron/imaging/preprocess'
import { applyLabelFilter, defaultLabelFilter } from '../../../renderer/src/composables/label-filters'
import { buildResnet18Inference, initResnet18Weights } from '../../../electron/engine/models/resnet'
import { generateSyntheticSet } from '../../support/synthetic-defects'
import { addTinyModel, createTinyProject, TINY, tinyModelBytes } from '../inspection/fixture'

/**
 * Model suggestions end to end through the real Router: a tiny generated classifier
 * (ResNet18 at width 0.25, 32 px) predicts imported images; the stored predictions, the
 * suggestions in images:list and the misclassified list are checked against running the
 * same ONNX model directly here.
 */
const ctx = { trusted: true, origin: 'test' }
let dir: string
let router: Router
let projects: ProjectService
const events: Array<{ event: string; payload: unknown }> = []
/** Image id -> probabilities computed directly with onnxruntime. */
const direct = new Map<number, number[]>()

async function call<T>(channel: string, payload: unknown): Promise<T> {
  const r = (await router.handle(channel, payload, ctx)) as { ok: boolean; value?: T; error?: { message: string } }
  if (!r.ok) throw new Error(`${channel}: ${r.error?.message}`)
  return r.value as T
}

async function listAll(): Promise<ImageItem[]> {
  return (await call<{ items: ImageItem[] }>('images:list', { limit: 2000 })).items
}

const argmax = (p: number[]) => p.reduce((best, v, i) => (v > p[best]! ? i : best), 0)

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ds-suggest-'))
  process.env.DEFECT_STUDIO_DATA_DIR = join(dir, 'data')
  createTinyProject(dir).close()
  await generateSyntheticSet({ root: join(dir, 'set'), seed: 11, counts: { ok: 6, scratch: 5, spot: 5 }, width: 40, height: 40, layout: 'imagefolder', valFraction: 0.5 })
  router = new Router()
  projects = new ProjectService()
  const emit = (event: string, payload: unknown) => events.push({ event, payload })
  router.register(imagesHandlers({ projects, imports: new ImportService(), emit }))
  router.register(predictionsHandlers({ projects, emit, threads: 1 }))
  await projects.open(join(dir, 'line.dsproj'))
  await call('images:import-folder', { folder: join(dir, 'set') })

  // The same model, run directly on every image, one at a time.
  const store = projects.current()
  const session = await ort.InferenceSession.create(tinyModelBytes().onnx)
  for (const img of store.images.list({}, { limit: 2000 }).items) {
    const { tensor } = await preprocessImage(store.images.bytes(img.id).bytes, { size: TINY.size, fit: 'whole' })
    // x: [1, 3, 32, 32] float32
    const out = await session.run({ input: new ort.Tensor('float32', tensor, [1, 3, TINY.size, TINY.size]) })
    direct.set(img.id, Array.from(out.probabilities!.data as Float32Array))
  }
  await session.release()
}, 60_000)

afterAll(() => {
  projects.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('model suggestions', () => {
  it('has no suggestions before any prediction', async () => {
    const items = await listAll()
    expect(items.length).toBe(16)
    expect(items.every((i) => i.suggestion === null)).toBe(true)
  })

  it('predicts the unlabelled images with the active classifier, stores them and skips them the second time', async () => {
    const items = await listAll()
    const unlabel = items.slice(0, 4).map((i) => i.id)
    await call('images:set-label', { imageIds: unlabel, classId: null })
    events.length = 0
    const first = await call<{ modelVersion: number; predicted: number; failed: number }>('images:suggest', { scope: 'unlabelled' })
    expect(first).toEqual({ modelVersion: 1, predicted: 4, failed: 0 })
    expect(events).toContainEqual({ event: 'images:changed', payload: { reason: 'suggestions' } })
    const store = projects.current()
    const stored = store.predictions.forVersion(1)
    expect([...stored.keys()]).toEqual(unlabel)
    for (const [id, p] of stored) {
      const probs = direct.get(id)!
      expect(p.className).toBe(TINY.classes[argmax(probs)])
      expect(p.confidence).toBeCloseTo(Math.max(...probs), 4)
      p.probabilities.forEach((v, c) => expect(v).toBeCloseTo(probs[c]!, 4))
    }
    expect(await call('images:suggest', { scope: 'unlabelled' })).toEqual({ modelVersion: 1, predicted: 0, failed: 0 })
  })

  it('lists suggestions as project class ids, and the disagree filter matches a direct computation', async () => {
    expect(await call('images:suggest', { scope: 'all' })).toEqual({ modelVersion: 1, predicted: 12, failed: 0 })
    const store = projects.current()
    const idByName = new Map(store.classes.list().map((c) => [c.name, c.id]))
    const items = await listAll()
    for (const item of items) {
      const probs = direct.get(item.id)!
      expect(item.suggestion).toEqual({ classId: idByName.get(TINY.classes[argmax(probs)]!), confidence: expect.closeTo(Math.max(...probs), 4) })
    }
    const disagrees = applyLabelFilter(
      items.map((i) => ({ id: i.id, classId: i.classId, split: i.split, originalName: i.originalName, suggestion: i.suggestion ?? null })),
      { ...defaultLabelFilter(), disagrees: true }
    ).map((i) => i.id)
    const expected = items.filter((i) => i.classId !== null && idByName.get(TINY.classes[argmax(direct.get(i.id)!)]!) !== i.classId).map((i) => i.id)
    expect(expected.length).toBeGreaterThan(0)
    expect(disagrees).toEqual(expected)
  })

  it('lists the misclassified validation images of a version, computing missing predictions first', async () => {
    const store = projects.current()
    // A second, inactive version with other weights has predicted nothing yet.
    const v2 = addTinyModel(store, { seed: 99, activate: false })
    expect(store.predictions.count(v2)).toBe(0)
    const list = await call<MisclassifiedItem[]>('models:misclassified', { version: v2 })
    const session = await ort.InferenceSession.create(tinyModelBytes(99).onnx)
    const nameById = new Map(store.classes.list().map((c) => [c.id, c.name]))
    const val = store.images.list({ split: 'val' }, { limit: 2000 }).items.filter((i) => i.classId !== null)
    expect(val.length).toBeGreaterThan(0)
    expect(store.predictions.count(v2)).toBe(val.length)
    const expected: MisclassifiedItem[] = []
    for (const img of val) {
      const { tensor } = await preprocessImage(store.images.bytes(img.id).bytes, { size: TINY.size, fit: 'whole' })
      const out = await session.run({ input: new ort.Tensor('float32', tensor, [1, 3, TINY.size, TINY.size]) })
      const probs = Array.from(out.probabilities!.data as Float32Array)
      const predictedClass = TINY.classes[argmax(probs)]!
      const trueClass = nameById.get(img.classId!)!
      if (predictedClass !== trueClass) expected.push({ imageId: img.id, originalName: img.originalName, trueClass, predictedClass, confidence: Math.max(...probs) })
    }
    await session.release()
    expect(expected.length).toBeGreaterThan(0)
    expected.sort((a, b) => b.confidence - a.confidence || a.imageId - b.imageId)
    expect(list.map((m) => [m.imageId, m.trueClass, m.predictedClass])).toEqual(expected.map((m) => [m.imageId, m.trueClass, m.predictedClass]))
    list.forEach((m, i) => expect(m.confidence).toBeCloseTo(expected[i]!.confidence, 4))
    // The suggestions on the Label screen stay those of the ACTIVE version.
    const items = await listAll()
    const idByName = new Map(store.classes.list().map((c) => [c.name, c.id]))
    expect(items[0]!.suggestion?.classId).toBe(idByName.get(TINY.classes[argmax(direct.get(items[0]!.id)!)]!))
  })

  it('falls back to one image per run for a model exported with a fixed batch of 1', async () => {
    const store = projects.current()
    const weights = initResnet18Weights({ numClasses: TINY.classes.length, width: TINY.width, seed: 7 })
    const onnx = buildResnet18Inference({ numClasses: TINY.classes.length, width: TINY.width, height: TINY.size, batch: 1, weights, outputs: { probabilities: true } })
    const fixed = store.models.add({
      kind: 'classifier', architecture: 'resnet18@0.25', classes: [...TINY.classes], onnx, metrics: {},
      config: { size: TINY.size, fit: 'whole' }, dataFingerprint: 'test'
    }).version
    const ids = [...direct.keys()].slice(0, 5)
    expect(await computePredictions(store, fixed, ids, { batchSize: 4, threads: 1 })).toEqual({ predicted: 5, failed: [] })
    // Same weights as version 1 (seed 7): the same answers.
    for (const [id, p] of store.predictions.forImages(fixed, ids)) expect(p.className).toBe(TINY.classes[argmax(direct.get(id)!)])
    store.models.delete(fixed)
  })

  it('gives the same predictions when the model runs in the engine worker', async () => {
    const store = projects.current()
    const v = addTinyModel(store, { seed: 5, activate: false })
    const ids = [...direct.keys()].slice(0, 6)
    const host = new WorkerHost()
    try {
      expect(await computePredictions(store, v, ids, { batchSize: 4, runner: workerClassifierRunner(host) })).toEqual({ predicted: 6, failed: [] })
    } finally {
      await host.dispose()
    }
    const inWorker = store.predictions.forImages(v, ids)
    store.models.delete(v)
    const v5 = addTinyModel(store, { seed: 5, activate: false })
    await computePredictions(store, v5, ids, { batchSize: 4 })
    const here = store.predictions.forImages(v5, ids)
    for (const id of ids) {
      expect(inWorker.get(id)!.className).toBe(here.get(id)!.className)
      inWorker.get(id)!.probabilities.forEach((p, c) => expect(p).toBeCloseTo(here.get(id)!.probabilities[c]!, 5))
    }
    store.models.delete(v5)
  }, 40_000)

  it('runs concurrent requests one after the other, predicting each image once', async () => {
    const store = projects.current()
    const v = addTinyModel(store, { seed: 21, activate: false })
    // Count the images that go through the model.
    let imagesRun = 0
    const counting: ClassifierRunnerFactory = async (onnx, opts) => {
      const inner = await inProcessClassifierRunner(onnx, opts)
      return { run: (x, n, size) => ((imagesRun += n), inner.run(x, n, size)), release: () => inner.release() }
    }
    const own = new Router()
    own.register(predictionsHandlers({ projects, emit: () => undefined, runner: counting }))
    const ask = async () => ((await own.handle('models:misclassified', { version: v }, ctx)) as { value: MisclassifiedItem[] }).value
    const [a, b] = await Promise.all([ask(), ask()])
    expect(b).toEqual(a)
    const valLabelled = store.images.list({ split: 'val' }, { limit: 2000 }).items.filter((i) => i.classId !== null).length
    expect(store.predictions.count(v)).toBe(valLabelled)
    expect(imagesRun).toBe(valLabelled)
    store.models.delete(v)
  })

  it('drops predictions with their image or model version, and refuses anomaly or missing versions', async () => {
    const store = projects.current()
    const versions = store.models.list().map((m) => m.version)
    const v2 = versions[1]!
    const before = store.predictions.count(1)
    const victim = [...store.predictions.forVersion(1).keys()][0]!
    await call('images:delete', { imageIds: [victim] })
    expect(store.predictions.count(1)).toBe(before - 1)
    store.models.delete(v2)
    expect(store.predictions.count(v2)).toBe(0)
    expect(await router.handle('models:misclassified', { version: 77 }, ctx)).toMatchObject({ ok: false, error: { code: 'not-found' } })
    expect(await router.handle('images:suggest', { scope: 'some' }, ctx)).toMatchObject({ ok: false, error: { code: 'invalid-payload' } })
    await expect(computePredictions(store, 1, [], {})).resolves.toEqual({ predicted: 0, failed: [] })
  })
})
