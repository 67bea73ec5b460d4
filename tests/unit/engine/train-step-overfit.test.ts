import * as ort from 'onnxruntime-node'
import { describe, expect, it } from 'vitest'
import { initResnet18Weights, seededRandom } from '../../../electron/engine/models/resnet'
import { buildTrainStep, type TrainStepOptions } from '../../../electron/engine/train/train-step'

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
  const rng = seededRandom(42)
  const state: Record<string, ort.Tensor> = {}
  for (const [name, t] of initResnet18Weights({ numClasses, width: 0.125, seed: 3 })) state[name] = new ort.Tensor('float32', t.data, t.shape)
  for (const name of graph.stateNames) {
    const shape = graph.shapes.get(name)!
    state[name] = new ort.Tensor('float32', new Float32Array(shape.reduce((a, b) => a * b, 1)), shape)
  }
  const fixed = {
    images: new ort.Tensor('float32', Float32Array.from({ length: batch * 3 * size * size }, () => rng.normal()), [batch, 3, size, size]),
    labels: new ort.Tensor('int64', BigInt64Array.from({ length: batch }, (_, i) => BigInt(i % numClasses)), [batch]),
    sample_weights: new ort.Tensor('float32', new Float32Array(batch).fill(1), [batch]),
    class_weights: new ort.Tensor('float32', new Float32Array(numClasses).fill(1), [numClasses]),
    lr: new ort.Tensor('float32', Float32Array.of(opts.lr), [1])
  }
  const losses: number[] = []
  for (let step = 1; step <= opts.maxSteps; step++) {
    const out = await session.run({ ...fixed, ...state, step: new ort.Tensor('float32', Float32Array.of(step), [1]) })
    const loss = (out.loss!.data as Float32Array)[0]!
    losses.push(loss)
    if (loss < 0.05) break
    for (const name of [...graph.trainableNames, ...graph.stateNames, ...graph.bufferNames]) state[name] = out[graph.outputs.updated(name)]!
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
