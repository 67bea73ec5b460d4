import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fitPatchCore } from '../../../electron/engine/anomaly/patchcore'
import { initResnet18Weights } from '../../../electron/engine/models/resnet'
import { preprocessImage } from '../../../electron/imaging/preprocess'
import { LocalInspectionEngine } from '../../../electron/services/inspection/local-engine'
import { storeModelLoader } from '../../../electron/services/inspection/manager'
import { InspectionService } from '../../../electron/services/inspection/service'
import type { ProjectStore } from '../../../electron/store/project-store'
import { generateSyntheticSet } from '../../support/synthetic-defects'
import { createTinyProject } from './fixture'

/**
 * Classification and anomaly models both active (docs/decisions.md, Verdicts are fail-safe): the part FAILs when either
 * says defect. A small PatchCore model (ResNet18 width 0.25, 64 px, random backbone) fitted
 * on generated good parts scores through the same engine as the classifier.
 */
const S = 64
let dir: string
let store: ProjectStore
let good: string[]

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ds-insp-anomaly-'))
  store = createTinyProject(dir)
  const { files } = await generateSyntheticSet({ root: join(dir, 'g'), seed: 12, counts: { ok: 12 }, width: S, height: S })
  good = files.map((f) => f.path)
  const weights = initResnet18Weights({ numClasses: 2, width: 0.25, seed: 0 })
  const tensors = await Promise.all(good.slice(0, 10).map(async (p) => (await preprocessImage(p, { size: S, fit: 'whole' })).tensor))
  const model = await fitPatchCore(weights, { count: tensors.length, load: async (i) => tensors[i]! }, { size: S, coresetFraction: 0.5, seed: 1 })
  store.models.add({
    kind: 'anomaly', architecture: 'patchcore-resnet18@0.25', classes: [], onnx: model.onnx, metrics: {},
    config: { size: S, fit: 'whole' }, dataFingerprint: 'test', threshold: 1e9, activate: true
  })
})
afterAll(() => {
  store.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('classifier + anomaly inspection', () => {
  it('records both versions and the anomaly score; FAILs on the anomaly model alone', async () => {
    const engine = new LocalInspectionEngine(storeModelLoader(store))
    const service = new InspectionService({ project: store, engine })
    try {
      // Classifier can never reject (t = 0); anomaly threshold out of reach: PASS.
      service.updateSettings({ thresholdOverride: 0, deadlineMs: 60_000 })
      const pass = await service.inspectFile(good[11]!, 'file')
      if (pass.dropped) throw new Error('unexpected drop')
      expect(pass.record).toMatchObject({ verdict: 'PASS', modelVersion: 1, anomalyModelVersion: 2 })
      expect(Number.isFinite(pass.record.scores.anomaly)).toBe(true)
      // Same image, anomaly threshold below its score: the anomaly model alone rejects it.
      store.models.setThreshold(2, pass.record.scores.anomaly! / 2)
      service.refreshModels()
      const fail = await service.inspectFile(good[11]!, 'file')
      if (fail.dropped) throw new Error('unexpected drop')
      expect(fail.record).toMatchObject({ verdict: 'FAIL', className: 'anomaly', anomalyModelVersion: 2 })
    } finally {
      await service.close()
      await engine.release()
    }
  })
})
