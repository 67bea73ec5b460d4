import * as ort from 'onnxruntime-node'
import { describe, expect, it } from 'vitest'
import { buildTrainStep, type TrainStepOptions } from '../../../electron/engine/train/train-step'
import { randomStepFeeds } from './train-step-feeds'

/**
 * Overfit 8 random images with random labels from torchvision's random initialisation: the
 * training step must drive its own loss below 0.05. Runs the step graph in onnxruntime
 * the way the trainer does: each step's updated tensors are the next step's inputs.
 */
async function overfit(opts: Pick<TrainStepOptions, 'optimizer' | 'freeze'> & { lr: number; maxSteps: number }) {
  const numClasses = 4
  const batch = 8
  const size = 32
  const graph = buildTrainStep({ numClasses, width: 0.125, size, batch, freeze: opts.freeze, optimizer: opts.optimizer, weightDecay: 0 })
  const session = await ort.InferenceSession.create(graph.model)
  const run = randomStepFeeds(graph, { numClasses, width: 0.125, size, batch, lr: opts.lr, seed: 3 })
  const losses: number[] = []
  for (let step = 1; step <= opts.maxSteps; step++) {
    const out = await session.run(run.feeds(step))
    const loss = (out.loss!.data as Float32Array)[0]!
    losses.push(loss)
    if (loss < 0.05) break
    run.advance(out)
  }
  return losses
}

describe('training step overfits a tiny batch', () => {
  it('AdamW, all layers trained: loss < 0.05 on 8 images', async () => {
    const losses = await overfit({ optimizer: 'adamw', freeze: 'none', lr: 3e-3, maxSteps: 300 })
    expect(losses[0]).toBeGreaterThan(0.5)
    expect(losses[losses.length - 1]).toBeLessThan(0.05)
  })

  it('SGD momentum, default preset (all but stem): loss < 0.05 on 8 images', async () => {
    const losses = await overfit({ optimizer: 'sgd', freeze: 'all-but-stem', lr: 0.05, maxSteps: 300 })
    expect(losses[losses.length - 1]).toBeLessThan(0.05)
  })
})
