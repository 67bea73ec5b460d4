import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runTrainingJob, type TrainOutcome } from '../../../electron/engine/train/training-job'
import { projectTrainingData } from '../../../electron/services/training-data'
import { evaluateVersion } from '../../../electron/services/model-evaluation'
import { computePredictions } from '../../../electron/services/suggestion-service'
import { quantiseClassifier } from '../../../electron/services/int8-model'
import { createSession } from '../../../electron/engine/infer/sessions'
import { sessionInputChannels } from '../../../electron/engine/infer/input-channels'
import type { ProjectStore } from '../../../electron/store/project-store'
import { generateSyntheticSet } from '../../support/synthetic-defects'
import { importedProject, modelWeights } from './project-fixture'

/**
 * A grey project through the app's own path: the auto recipe (no options but a reduced
 * model) from random initialisation chooses the one-channel stem and says why; the saved
 * version reads [N, 1, S, S] and records inputChannels 1; evaluation, suggestions and INT8
 * calibration feed it one plane. The seed preset on the same project stays RGB.
 */
describe('a project whose images are all grey', () => {
  let dir: string
  let store: ProjectStore
  let auto: TrainOutcome

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ds-grey-'))
    process.env.DEFECT_STUDIO_DATA_DIR = join(dir, 'appdata')
    const data = join(dir, 'data')
    await generateSyntheticSet({ root: data, seed: 5, counts: { ok: 30, scratch: 10 }, layout: 'imagefolder', colour: 'gray' })
    store = await importedProject(dir, data, 'grey')
    auto = await runTrainingJob(projectTrainingData(store), { mode: 'full', width: 0.125, size: 32, epochs: 2, threads: 1, resume: false })
  }, 300_000)
  afterAll(async () => {
    store?.close()
    await rm(dir, { recursive: true, force: true })
  })

  it('trains a one-channel model with the auto recipe, recorded with its reason', async () => {
    const choice = auto.recipe!.choices.find((c) => c.setting === 'inputChannels')
    const n = projectTrainingData(store).dataset().train.length
    expect(choice).toMatchObject({ value: 1, why: expect.stringContaining(`Every training image is greyscale (${n} of ${n})`) })
    const version = store.models.get(auto.modelVersion!)
    expect(version.config.inputChannels).toBe(1)
    expect(modelWeights(store, auto.modelVersion!).get('conv1.weight')!.shape).toEqual([8, 1, 7, 7])
    const { session } = await createSession(new Uint8Array(store.models.onnx(auto.modelVersion!)), { threads: 1 })
    expect(sessionInputChannels(session)).toBe(1)
    await session.release()
    expect(auto.metrics!.accuracy).toBeGreaterThan(0)
  })

  it('is evaluated, suggests labels and calibrates INT8 on one-plane inputs', async () => {
    const report = await evaluateVersion(store, { version: auto.modelVersion!, threads: 1 })
    // The same validation images through the stored model: the figures training saved.
    expect(report.accuracy).toBeCloseTo(auto.metrics!.accuracy, 10)
    const ids = store.images.ids('all').slice(0, 5)
    const predicted = await computePredictions(store, auto.modelVersion!, ids, { threads: 1 })
    expect(predicted).toEqual({ predicted: ids.length, failed: [] })
    const int8 = await quantiseClassifier(store, { version: auto.modelVersion!, threads: 1 })
    expect(int8.record.check.images).toBeGreaterThan(0)
  })

  it('keeps the seed preset on three channels (the torchvision recipe as it is)', async () => {
    const seed = await runTrainingJob(projectTrainingData(store), { mode: 'full', recipe: 'seed', width: 0.125, size: 32, epochs: 1, threads: 1, resume: false })
    expect(store.models.get(seed.modelVersion!).config.inputChannels).toBe(3)
    expect(modelWeights(store, seed.modelVersion!).get('conv1.weight')!.shape).toEqual([8, 3, 7, 7])
  }, 300_000)
})
