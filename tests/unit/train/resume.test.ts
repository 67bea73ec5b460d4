import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { rm } from 'node:fs/promises'
import { runTrainingJob, type TrainJobOptions } from '../../../electron/engine/train/training-job'
import { projectTrainingData } from '../../../electron/services/training-data'
import type { ProjectStore } from '../../../electron/store/project-store'
import { importedProject, maxRelativeDifference, modelWeights, syntheticFolder } from './project-fixture'
import { connectionOf } from '../../support/store-connection'

/**
 * Cancel + resume equals an uninterrupted run (docs/decisions.md: within 1e-5 per tensor). Two
 * projects hold the same imported images; one trains straight through, the other is
 * cancelled in the middle of epoch 2 (and left marked 'running', as a killed process would
 * leave it) and started again with the same settings, which resumes from the epoch-1
 * checkpoint stored in the project.
 */

const OPTS: TrainJobOptions = {
  mode: 'full',
  // The recipe spelt out below, on top of the seed preset (as before the auto recipe).
  recipe: 'seed',
  width: 0.125,
  size: 32,
  batch: 12, // 40 training images: 4 batches, the last one padded
  epochs: 3,
  freeze: 'all-but-stem',
  optimizer: 'sgd',
  lr: 0.01,
  seed: 11,
  threads: 1,
  patience: 0
}

describe('resume after cancel', () => {
  let dir: string
  let a: ProjectStore
  let b: ProjectStore
  let c: ProjectStore
  let d: ProjectStore

  beforeAll(async () => {
    const set = await syntheticFolder({ ok: 40, scratch: 10 }, 5)
    dir = set.dir
    a = await importedProject(dir, set.data, 'a')
    b = await importedProject(dir, set.data, 'b')
    c = await importedProject(dir, set.data, 'c')
    d = await importedProject(dir, set.data, 'd')
  })
  afterAll(async () => {
    a?.close()
    b?.close()
    c?.close()
    d?.close()
    await rm(dir, { recursive: true, force: true })
  })

  it('gives the same weights as an uninterrupted run', async () => {
    const straight = await runTrainingJob(projectTrainingData(a), OPTS)
    expect(straight.status).toBe('done')
    expect(straight.history).toHaveLength(3)

    const abort = new AbortController()
    const first = await runTrainingJob(projectTrainingData(b), OPTS, {
      signal: abort.signal,
      onProgress: (_run, p) => {
        if (p.epoch === 2 && p.step === 2) abort.abort()
      }
    })
    expect(first.status).toBe('cancelled')
    expect(first.modelVersion).toBeNull()
    expect(b.runs.get(first.runId).status).toBe('cancelled')
    expect(b.checkpoints.latest(first.runId)?.epoch).toBe(1)
    // A process killed mid-run leaves its run 'running'; the next start treats it as
    // interrupted and resumes it the same way.
    connectionOf(b).prepare("UPDATE training_runs SET status = 'running', finished_at = NULL WHERE id = ?").run(first.runId)

    const resumed = await runTrainingJob(projectTrainingData(b), OPTS)
    expect(resumed.runId).toBe(first.runId)
    expect(resumed.resumedFromEpoch).toBe(1)
    expect(resumed.status).toBe('done')
    // The same per-epoch curve, and the same best weights tensor by tensor.
    expect(resumed.history.map((h) => h.trainLoss)).toEqual(straight.history.map((h) => h.trainLoss))
    expect(maxRelativeDifference(modelWeights(b, resumed.modelVersion!), modelWeights(a, straight.modelVersion!))).toBeLessThanOrEqual(1e-5)
    // Finished runs keep no checkpoints.
    expect(b.checkpoints.latest(first.runId)).toBeNull()
  })

  it('starts fresh when asked to, even with a resumable run', async () => {
    const abort = new AbortController()
    abort.abort()
    const cancelled = await runTrainingJob(projectTrainingData(b), { ...OPTS, epochs: 2 }, { signal: abort.signal })
    expect(cancelled.status).toBe('cancelled')
    const fresh = await runTrainingJob(projectTrainingData(b), { ...OPTS, epochs: 1, resume: false })
    expect(fresh.runId).not.toBe(cancelled.runId)
    expect(fresh.resumedFromEpoch).toBeNull()
  })

  it('trains the same with batches rendered in the batch worker as inline', async () => {
    const inline = await runTrainingJob(projectTrainingData(c), { ...OPTS, epochs: 2, batchWorker: false })
    const worker = await runTrainingJob(projectTrainingData(d), { ...OPTS, epochs: 2, batchWorker: true })
    expect(worker.status).toBe('done')
    expect(worker.history.map((h) => h.trainLoss)).toEqual(inline.history.map((h) => h.trainLoss))
    expect(maxRelativeDifference(modelWeights(d, worker.modelVersion!), modelWeights(c, inline.modelVersion!))).toBe(0)
  })
})
