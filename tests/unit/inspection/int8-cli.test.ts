import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from '../../../electron/cli/index'
import { Predictor } from '../../../electron/engine/infer/predictor'
import { buildResnet18Inference, initResnet18Weights } from '../../../electron/engine/models/resnet'
import { writeSafetensors } from '../../../electron/engine/models/safetensors'
import { PreprocessedSet } from '../../../electron/engine/train/evaluate'
import type { TensorMap } from '../../../electron/engine/tensor'
import { importImages } from '../../../electron/services/import-service'
import { int8Record, quantiseClassifier } from '../../../electron/services/int8-model'
import { inProcessInt8Runner, int8Handlers, workerInt8Runner, type Int8Runner } from '../../../electron/services/handlers/int8'
import { WorkerHost } from '../../../electron/engine/worker-host'
import { Router } from '../../../electron/services/router'
import type { Int8StateDto } from '../../../shared/contract/training'
import { rangesFromJson, type ActivationRanges } from '../../../electron/engine/infer/int8'
import { projectDataset } from '../../../electron/services/training-data'
import { createProject, openProject, type ProjectStore } from '../../../electron/store/project-store'
import { generateSyntheticSet } from '../../support/synthetic-defects'
import { captureIo as capture } from '../../support/cli-harness'

/**
 * The INT8 option end to end through the CLI: `models int8` (the version's setting) and
 * `inspect --int8` (this run), both calibrated on the project's training images and checked
 * against fp32 on its validation images. Two generated models make the check's outcome
 * known in advance: one whose fc bias makes class 0 win every image by far (INT8 cannot
 * change a prediction: accepted), one whose logits are near ties (INT8 flips some
 * predictions; the validation labels are set to fp32's own predictions, so every flip is
 * lost accuracy: refused).
 */
const classes = ['ok', 'scratch', 'spot']
const width = 0.25
const size = 32
let dir: string
let project: string
let parts: string
let decisive: number
let ties: number

function addModel(store: ProjectStore, weights: TensorMap, activate: boolean): number {
  const onnx = buildResnet18Inference({ numClasses: classes.length, width, height: size, batch: 'dynamic', weights, outputs: { probabilities: true } })
  return store.models.add({
    kind: 'classifier', architecture: 'resnet18@0.25', classes, onnx, weights: writeSafetensors(weights),
    metrics: {}, config: { size, fit: 'whole', width }, dataFingerprint: 'test', threshold: 0.5, activate
  }).version
}

beforeAll(async () => {
  process.env.DEFECT_STUDIO_DATA_DIR = join(tmpdir(), 'ds-data')
  dir = mkdtempSync(join(tmpdir(), 'ds-int8-cli-'))
  parts = join(dir, 'gen')
  await generateSyntheticSet({ root: parts, seed: 4, counts: { ok: 16, scratch: 8, spot: 8 }, layout: 'imagefolder', width: 40, height: 40, valFraction: 0.5 })
  const store = createProject(join(dir, 'line.dsproj'))
  project = store.file
  expect((await importImages(store, { kind: 'folder', folder: parts })).imported).toBe(32)
  store.classes.update(store.classes.findByName('ok')!.id, { isGood: true })

  const a = initResnet18Weights({ numClasses: classes.length, width, seed: 3 })
  a.get('fc.bias')!.data.set([50, 0, 0])
  decisive = addModel(store, a, true)

  // Near ties: fc stays fp32 in the INT8 graph, so the fc bias can put the boundary between
  // classes 0 and 1 exactly half-way between fp32's and INT8's margin on the image where the
  // two differ most: there they predict different classes (class 2 never wins).
  const b = initResnet18Weights({ numClasses: classes.length, width, seed: 3 })
  b.get('fc.bias')!.data.set([0, 0, -100])
  const data = projectDataset(store)
  const set = new PreprocessedSet(data.val, size, 'whole')
  const marginsOf = async (int8Ranges?: ActivationRanges): Promise<number[]> => {
    const predictor = await Predictor.create({ weights: b, numClasses: classes.length, width, size, provider: 'cpu', threads: 1, int8Ranges })
    const out: number[] = []
    for (let i = 0; i < data.val.length; i++) {
      const l = (await predictor.runBatch(await set.tensor(i), 1)).logits
      out.push(l[0]! - l[1]!)
    }
    await predictor.release()
    return out
  }
  const probe = addModel(store, b, false)
  const { record } = await quantiseClassifier(store, { version: probe, threads: 1 })
  const fp32 = await marginsOf()
  const int8 = await marginsOf(rangesFromJson(record.ranges))
  const widest = fp32.reduce((best, m, i) => (Math.abs(m - int8[i]!) > Math.abs(fp32[best]! - int8[best]!) ? i : best), 0)
  const shift = (fp32[widest]! + int8[widest]!) / 2
  b.get('fc.bias')!.data.set([-shift / 2, shift / 2, -100])
  ties = addModel(store, b, false)
  // Validation labels = fp32's predictions of this model: fp32 scores 100 %, each INT8 flip is a loss.
  const rows = store.images.listLabelled().filter((r) => r.split === 'val')
  expect(rows.length).toBe(data.val.length)
  const predicted = await marginsOf()
  predicted.forEach((m, i) => {
    const k = m > 0 ? 0 : 1
    store.labels.set([rows.find((r) => r.sha256 === data.val[i]!.key)!.id], store.classes.findByName(classes[k]!)!.id)
  })
  store.close()
}, 120_000)
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('INT8 inspection option', () => {
  it('turns INT8 on for a version whose accuracy it keeps, stores the check and inspects with it', async () => {
    const on = capture()
    expect(await runCli(['models', '--project', project, 'int8', String(decisive), 'on', '--json'], on.io)).toBe(0)
    const r = JSON.parse(on.out[0]!) as { int8: boolean; check: { accepted: boolean; lost: number; images: number; fp32Accuracy: number; int8Accuracy: number } }
    expect(r.int8).toBe(true)
    expect(r.check.accepted).toBe(true)
    expect(r.check.lost).toBe(0)
    expect(r.check.images).toBe(16)
    const store = openProject(project)
    expect(int8Record(store, decisive)?.check.accepted).toBe(true)
    store.close()

    const run = capture()
    expect(await runCli(['inspect', '--project', project, '--from', join(parts, 'val', 'ok'), '--int8', '--json', '--deadline-ms', '60000'], run.io)).toBe(0)
    const lines = run.out.map((l) => JSON.parse(l) as { verdict: string; class: string; modelVersion: number })
    expect(lines.length).toBe(8)
    expect(lines.every((l) => l.verdict === 'PASS' && l.class === 'ok' && l.modelVersion === decisive)).toBe(true)

    const off = capture()
    expect(await runCli(['models', '--project', project, 'int8', String(decisive), 'off'], off.io)).toBe(0)
    const after = openProject(project)
    expect(int8Record(after, decisive)).toBeNull()
    after.close()
  }, 120_000)

  it('refuses INT8 when it loses more than half a point, says by how much, and stores nothing', async () => {
    const on = capture()
    expect(await runCli(['models', '--project', project, 'int8', String(ties), 'on'], on.io)).toBe(2)
    expect(on.err.join('\n')).toMatch(/INT8 refused for model version \d+: INT8 loses \d+\.\d points of accuracy against fp32 \(.* vs 100\.0 % on 16 validation images\), more than 0\.5; the fp32 model is used\./)
    const store = openProject(project)
    expect(int8Record(store, ties)).toBeNull()
    store.models.activate(ties)
    store.close()

    const run = capture()
    expect(await runCli(['inspect', '--project', project, '--from', join(parts, 'val', 'ok'), '--int8'], run.io)).toBe(2)
    expect(run.err.join('\n')).toMatch(/INT8 refused/)
    expect(run.out).toEqual([]) // nothing was inspected
  }, 120_000)
})

describe('INT8 through the router (the Models screen\'s channels)', () => {
  const ctx = { trusted: true, origin: 'test' }
  function routerFor(project: () => ProjectStore, runner: Int8Runner): Router {
    const router = new Router()
    router.register(int8Handlers({ project, runner }))
    return router
  }
  const value = (r: Awaited<ReturnType<Router['handle']>>): Int8StateDto => {
    if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`)
    return r.value as Int8StateDto
  }

  it('turns INT8 on and off, refuses with both accuracies and remembers the refusal', async () => {
    const store = openProject(project)
    try {
      const router = routerFor(() => store, inProcessInt8Runner)
      const on = value(await router.handle('models:int8-set', { version: decisive, on: true }, ctx))
      expect(on).toMatchObject({ version: decisive, int8: true, refusal: null, calibrationImages: 16 })
      expect(on.check).toMatchObject({ accepted: true, lost: 0, images: 16 })
      expect(int8Record(store, decisive)).not.toBeNull()
      expect(value(await router.handle('models:int8-status', { version: decisive }, ctx)).int8).toBe(true)

      const refused = value(await router.handle('models:int8-set', { version: ties, on: true }, ctx))
      expect(refused.int8).toBe(false)
      expect(refused.refusal?.code).toBe('accuracy')
      expect(refused.check!.fp32Accuracy).toBe(1)
      expect(refused.check!.lost).toBeGreaterThan(0.005)
      expect(int8Record(store, ties)).toBeNull()

      const off = value(await router.handle('models:int8-set', { version: decisive, on: false }, ctx))
      expect(off.int8).toBe(false)
      expect(off.check?.accepted).toBe(true) // the last check stays visible
      expect(int8Record(store, decisive)).toBeNull()

      // Payloads are checked by the contract's schema; versions must be classifiers that exist.
      expect(await router.handle('models:int8-set', { version: decisive, on: 'yes' }, ctx)).toMatchObject({ ok: false, error: { code: 'invalid-payload' } })
      expect(await router.handle('models:int8-status', { version: 0 }, ctx)).toMatchObject({ ok: false, error: { code: 'invalid-payload' } })
      expect(await router.handle('models:int8-status', { version: 99 }, ctx)).toMatchObject({ ok: false, error: { code: 'not-found' } })

      const onnxOnly = store.models.add({
        kind: 'classifier', architecture: 'resnet18@0.25', classes, onnx: store.models.onnx(decisive), metrics: {}, config: { size, fit: 'whole', width }, dataFingerprint: 'test', threshold: 0.5, activate: false
      }).version
      const noWeights = value(await router.handle('models:int8-set', { version: onnxOnly, on: true }, ctx))
      expect(noWeights).toMatchObject({ int8: false, check: null, refusal: { code: 'no-weights' } })
    } finally {
      store.close()
    }
    // Remembered in the project file: a fresh connection reads the refusal back.
    const again = openProject(project)
    try {
      const state = value(await routerFor(() => again, inProcessInt8Runner).handle('models:int8-status', { version: ties }, ctx))
      expect(state).toMatchObject({ int8: false, refusal: { code: 'accuracy' } })
      expect(state.check!.int8Accuracy).toBeLessThan(1)
    } finally {
      again.close()
    }
  }, 120_000)

  it('runs one check at a time and stores nothing when another project was opened meanwhile', async () => {
    const store = openProject(project)
    try {
      let release!: () => void
      const gate = new Promise<void>((r) => (release = r))
      let current: ProjectStore | null = store
      const slow: Int8Runner = {
        quantise: async (file, version) => {
          await gate
          return inProcessInt8Runner.quantise(file, version)
        }
      }
      const router = routerFor(() => current!, slow)
      const first = router.handle('models:int8-set', { version: decisive, on: true }, ctx)
      expect(await router.handle('models:int8-set', { version: ties, on: true }, ctx)).toMatchObject({ ok: false, error: { code: 'conflict' } })
      current = openProject(project) // "another project": a different open store
      release()
      expect(await first).toMatchObject({ ok: false, error: { code: 'conflict' } })
      current.close()
      expect(int8Record(store, decisive)).toBeNull()
    } finally {
      store.close()
    }
  }, 120_000)

  it('checks in the engine worker as the app does, with the same outcome', async () => {
    const store = openProject(project)
    const host = new WorkerHost()
    try {
      const router = routerFor(() => store, workerInt8Runner(host))
      const on = value(await router.handle('models:int8-set', { version: decisive, on: true }, ctx))
      expect(on).toMatchObject({ int8: true, refusal: null, check: { accepted: true, lost: 0, images: 16 } })
      const refused = value(await router.handle('models:int8-set', { version: ties, on: true }, ctx))
      expect(refused).toMatchObject({ int8: false, refusal: { code: 'accuracy' } })
      expect(value(await router.handle('models:int8-set', { version: decisive, on: false }, ctx)).int8).toBe(false)
    } finally {
      await host.dispose()
      store.close()
    }
  }, 120_000)
})
