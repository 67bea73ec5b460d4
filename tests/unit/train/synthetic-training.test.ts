import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { rm } from 'node:fs/promises'
import { runTrainingJob, type TrainJobOptions, type TrainOutcome } from '../../../electron/engine/train/training-job'
import { projectTrainingData } from '../../../electron/services/training-data'
import { evaluateVersion } from '../../../electron/services/model-evaluation'
import type { ProjectStore } from '../../../electron/store/project-store'
import { importedProject, syntheticFolder } from './project-fixture'

/**
 * Training a reduced ResNet18 (width 0.25, 64 px) from random initialisation on the shared
 * synthetic defect set, imbalanced 20:1 per defect class (docs/decisions.md, Test data stands in for the real thing), then the
 * never-worse gate with a deliberately worse second model.
 *
 * Stated result (measured when this test was written, AVX-512, 2 threads): from epoch 6 on
 * the validation accuracy stays at 0.89–0.91 with defect recall 1.0 (6 of 6 defect images
 * caught); the best epoch (7, by accuracy + defect recall) has 0.909 / 1.0. Asserted with
 * a margin, since the engine and generator it rests on may still change: accuracy ≥ 0.80
 * and defect recall ≥ 0.8. A model that flags everything scores 0.09 accuracy; one that
 * passes everything scores 0.91 accuracy but 0 defect recall, so the two assertions
 * together need a model that has learnt the defects.
 */

const GOOD: TrainJobOptions = {
  mode: 'full',
  // The recipe spelt out below, on top of the seed preset (as before the auto recipe).
  recipe: 'seed',
  width: 0.25,
  size: 64,
  batch: 32,
  epochs: 10,
  freeze: 'none', // from random initialisation every layer has to learn
  optimizer: 'adamw',
  lr: 0.003,
  schedule: 'cosine', // one warm-up epoch, then cosine: steadier than StepLR at 10 epochs
  seed: 3,
  threads: 2,
  patience: 0,
  // Flips and colour jitter on; random crops (which can cut the defect away) and rotation
  // (black corners at 64 px, measured to slow convergence here) off.
  augment: { randomResizedCrop: false, rotationDegrees: 0 }
}

describe('training on the synthetic defect set', () => {
  let dir: string
  let store: ProjectStore
  let good: TrainOutcome

  beforeAll(async () => {
    // 300 good : 15 scratch : 15 spot (20:1); imagefolder split 80/20 per class.
    const set = await syntheticFolder({ ok: 300, scratch: 15, spot: 15 }, 1)
    dir = set.dir
    store = await importedProject(dir, set.data, 'synthetic')
  })
  afterAll(async () => {
    store?.close()
    await rm(dir, { recursive: true, force: true })
  })

  it('reaches the stated validation accuracy and defect recall from random initialisation', async () => {
    const epochs: number[] = []
    good = await runTrainingJob(projectTrainingData(store), GOOD, { onEpoch: (_r, rec) => epochs.push(rec.valAccuracy) })
    expect(good.status).toBe('done')
    expect(epochs).toHaveLength(10)
    const m = good.metrics!
    expect(m.count).toBe(66)
    expect(m.accuracy).toBeGreaterThanOrEqual(0.8)
    expect(m.defectRecall).toBeGreaterThanOrEqual(0.8)
    // Imbalance > 3:1: class weights were applied.
    const model = store.models.get(good.modelVersion!)
    expect(model.config.classWeightsApplied).toBe(true)
    expect(model.classes).toEqual(['ok', 'scratch', 'spot'])
    expect(model.config.size).toBe(64)
    // The first model is activated; metrics, config and fingerprint are stored with it.
    expect(good.activated).toBe(true)
    expect(model.active).toBe(true)
    expect(model.dataFingerprint).toBe(store.labels.fingerprint())
    expect(store.runs.get(good.runId).status).toBe('done')
    // The stored model evaluates to the same numbers (eval = the export, not the training graph).
    const report = await evaluateVersion(store, { threads: 2 })
    expect(report.modelVersion).toBe(good.modelVersion)
    expect(report.accuracy).toBeCloseTo(m.accuracy, 6)
    expect(report.confusion.matrix.flat().reduce((x, y) => x + y, 0)).toBe(66)
  })

  it('does not activate a deliberately worse model, and the user can still activate it', async () => {
    // One epoch at a tiny learning rate: practically the random initialisation.
    const worse = await runTrainingJob(projectTrainingData(store), { ...GOOD, epochs: 1, lr: 1e-7, seed: 4 })
    expect(worse.status).toBe('done')
    const worseMetrics = worse.metrics!
    const dropped = (worseMetrics.defectRecall ?? 0) < (good.metrics!.defectRecall ?? 0) || worseMetrics.accuracy < good.metrics!.accuracy - 0.005
    expect(dropped).toBe(true)
    expect(worse.activated).toBe(false)
    expect(worse.reason).toMatch(/active model stays/)
    expect(worse.activeMetrics?.accuracy).toBeCloseTo(good.metrics!.accuracy, 6)
    expect(store.models.active('classifier')!.version).toBe(good.modelVersion)
    // Saved anyway, with the gate's verdict.
    const saved = store.models.get(worse.modelVersion!)
    expect(saved.active).toBe(false)
    expect((saved.metrics.gate as { activated: boolean }).activated).toBe(false)
    // Manual activation and rollback.
    store.models.activate(worse.modelVersion!)
    expect(store.models.active('classifier')!.version).toBe(worse.modelVersion)
    store.models.activate(good.modelVersion!)
    expect(store.models.active('classifier')!.version).toBe(good.modelVersion)
  })

  it('quick retrain trains a head on cached embeddings of the project backbone', async () => {
    const quick1 = await runTrainingJob(projectTrainingData(store), { mode: 'quick', width: 0.25, size: 64, seed: 0, threads: 2 })
    expect(quick1.status).toBe('done')
    const cfg1 = store.models.get(quick1.modelVersion!).config
    expect(cfg1.embeddingsComputed).toBe(330)
    // Second run: every embedding comes from the cache.
    const quick2 = await runTrainingJob(projectTrainingData(store), { mode: 'quick', width: 0.25, size: 64, seed: 0, threads: 2 })
    const cfg2 = store.models.get(quick2.modelVersion!).config
    expect(cfg2.embeddingsCached).toBe(330)
    expect(cfg2.embeddingsComputed).toBe(0)
    // Deterministic: the same head from the same cached features.
    expect(quick2.metrics!.accuracy).toBe(quick1.metrics!.accuracy)
    expect(quick2.metrics!.count).toBe(66)
    // Metrics computed from cached embeddings equal those of the exported model.
    const exported = await evaluateVersion(store, { version: quick2.modelVersion!, threads: 2 })
    expect(exported.accuracy).toBeCloseTo(quick2.metrics!.accuracy, 6)
    expect(exported.confusion.matrix).toEqual(quick2.metrics!.confusion.matrix)
  })
})
