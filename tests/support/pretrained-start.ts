import { createHash } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createProject } from '../../electron/store/project-store'
import { importImages } from '../../electron/services/import-service'
import { projectTrainingData } from '../../electron/services/training-data'
import { runTrainingJob } from '../../electron/engine/train/training-job'
import { readSafetensors } from '../../electron/engine/models/safetensors'
import type { StartingBackbone } from '../../electron/engine/models/starting-backbone'
import { generatePretrainSet, PRETRAIN_PARAMS } from './pretrain-defects'

/**
 * Starting weights the test generates (issue 14 allows "trained from random initialisation
 * or from weights the test generates"): a ResNet18 trained through the project's own path
 * (import, `runTrainingJob`) on the pre-training set of tests/support/pretrain-defects.ts —
 * other mark shapes on the same kind of surfaces, never the benchmark's images, streams or
 * classes. It stands for the user's "pretrained on other defects" backbone. Its fc is
 * dropped by the run that starts from it (a different class count), so only the features
 * carry over. Both presets of the benchmark start from these same weights.
 *
 * Pre-training settings are fixed here (not the recipe under test): AdamW 0.002, one-cycle,
 * all layers, whole image, flips and 90° turns, PRETRAIN_EPOCHS epochs. Cached per process
 * (one test file or bench run trains them once).
 */
export const PRETRAIN_EPOCHS = 8
export const PRETRAIN_SEED = 7

export interface PretrainedStart {
  backbone: StartingBackbone
  seconds: number
  /** Validation accuracy on the pre-training set's own classes (a sanity figure). */
  pretextAccuracy: number
  images: number
}

const cache = new Map<string, Promise<PretrainedStart>>()

export function pretrainedStart(opts: { width: number; size: number; threads: number; epochs?: number }): Promise<PretrainedStart> {
  const key = JSON.stringify(opts)
  let p = cache.get(key)
  if (!p) {
    p = pretrain(opts)
    cache.set(key, p)
  }
  return p
}

async function pretrain(opts: { width: number; size: number; threads: number; epochs?: number }): Promise<PretrainedStart> {
  const dir = await mkdtemp(join(tmpdir(), 'ds-pretrain-'))
  try {
    const set = await generatePretrainSet({ root: join(dir, 'data'), seed: PRETRAIN_SEED })
    const store = createProject(join(dir, 'pretrain.dsproj'))
    try {
      const report = await importImages(store, { kind: 'folder', folder: set.root })
      if (report.imported === 0 || report.rejected.length > 0) throw new Error(`pre-training import failed: ${JSON.stringify(report.rejected.slice(0, 3))}`)
      store.settings.set('training.size', opts.size)
      const t0 = performance.now()
      const outcome = await runTrainingJob(projectTrainingData(store), {
        mode: 'full',
        recipe: 'auto',
        width: opts.width,
        threads: opts.threads,
        seed: PRETRAIN_SEED,
        epochs: opts.epochs ?? PRETRAIN_EPOCHS,
        optimizer: 'adamw',
        lr: 0.002,
        freeze: 'none',
        patience: 0
      })
      const seconds = (performance.now() - t0) / 1000
      if (outcome.modelVersion === null) throw new Error(`pre-training saved no model (${outcome.reason})`)
      const blob = store.models.weights(outcome.modelVersion)
      if (!blob) throw new Error('pre-training: the model has no weights')
      const weights = readSafetensors(new Uint8Array(blob))
      const id = `pretrained:${createHash('sha256').update(blob).digest('hex').slice(0, 16)}`
      return { backbone: { weights, width: opts.width, id }, seconds, pretextAccuracy: outcome.metrics?.accuracy ?? 0, images: set.images }
    } finally {
      store.close()
    }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

export { PRETRAIN_PARAMS }
