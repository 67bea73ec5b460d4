import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as ort from 'onnxruntime-node'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { fitPatchCore } from '../../../electron/engine/anomaly/patchcore'
import { initResnet18Weights } from '../../../electron/engine/models/resnet'
import { preprocessImage } from '../../../electron/imaging/preprocess'
import { resolveModels } from '../../../electron/services/inspection/models-info'
import { LocalInspectionEngine } from '../../../electron/services/inspection/local-engine'
import { storeModelLoader } from '../../../electron/services/inspection/manager'
import { WorkerInspectionEngine } from '../../../electron/services/inspection/worker-engine'
import type { ProjectStore } from '../../../electron/store/project-store'
import { generateSyntheticSet } from '../../support/synthetic-defects'
import { createTinyProject } from './fixture'

/**
 * The live path with classifier and anomaly model both active: the inspection worker runs
 * both (one decode), so no ONNX session is created on this (the main) thread, and the
 * scores equal the in-thread engine's.
 */
const S = 64
let dir: string
let store: ProjectStore
let frame: Buffer

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ds-worker-anomaly-'))
  store = createTinyProject(dir)
  const { files } = await generateSyntheticSet({ root: join(dir, 'g'), seed: 3, counts: { ok: 6 }, width: S, height: S })
  const weights = initResnet18Weights({ numClasses: 2, width: 0.25, seed: 0 })
  const tensors = await Promise.all(files.slice(0, 5).map(async (f) => (await preprocessImage(f.path, { size: S, fit: 'whole' })).tensor))
  const model = await fitPatchCore(weights, { count: tensors.length, load: async (i) => tensors[i]! }, { size: S, coresetFraction: 0.5, seed: 1 })
  store.models.add({ kind: 'anomaly', architecture: 'patchcore-resnet18@0.25', classes: [], onnx: model.onnx, metrics: {}, config: { size: S, fit: 'whole' }, dataFingerprint: 't', threshold: 1, activate: true })
  frame = readFileSync(files[5]!.path)
})
afterAll(() => {
  store.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('WorkerInspectionEngine with an anomaly model', () => {
  it('scores classifier and anomaly in the worker: no ONNX session on the main thread, same scores as in-thread', async () => {
    const models = resolveModels(store, null)
    expect(models.classifier && models.anomaly).toBeTruthy()
    const worker = new WorkerInspectionEngine(storeModelLoader(store))
    const created = vi.spyOn(ort.InferenceSession, 'create')
    let a
    try {
      a = await worker.infer({ image: frame, roi: null, heatmap: true, models })
      expect(created).not.toHaveBeenCalled()
    } finally {
      created.mockRestore()
      await worker.release()
    }
    const local = new LocalInspectionEngine(storeModelLoader(store))
    try {
      const b = await local.infer({ image: frame, roi: null, heatmap: true, models })
      expect(a.anomalyScore).toBeCloseTo(b.anomalyScore!, 4)
      a.probabilities!.forEach((p, i) => expect(p).toBeCloseTo(b.probabilities![i]!, 5))
      expect(a.heatmap).toEqual(b.heatmap)
    } finally {
      await local.release()
    }
  })
})
