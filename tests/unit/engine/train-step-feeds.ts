import * as ort from 'onnxruntime-node'
import { initResnet18Weights, seededRandom } from '../../../electron/engine/models/resnet'
import type { TrainStepGraph } from '../../../electron/engine/train/train-step'

/**
 * Inputs for running a training step on random data (overfit test, bench/train-step.ts):
 * torchvision-initialised weights, zero optimizer state, and one fixed random batch with
 * labels cycling through the classes. `state` holds every tensor the step updates.
 */
export function randomStepFeeds(graph: TrainStepGraph, o: { numClasses: number; width?: number; channels?: 1 | 3; size: number; batch: number; lr: number; seed: number }) {
  const rng = seededRandom(o.seed)
  const state: Record<string, ort.Tensor> = {}
  for (const [name, t] of initResnet18Weights({ numClasses: o.numClasses, width: o.width, inputChannels: o.channels, seed: o.seed })) state[name] = new ort.Tensor('float32', t.data, t.shape)
  for (const name of graph.stateNames) {
    const shape = graph.shapes.get(name)!
    state[name] = new ort.Tensor('float32', new Float32Array(shape.reduce((a, b) => a * b, 1)), shape)
  }
  const { batch, size, numClasses } = o
  const channels = o.channels ?? 3
  const fixed: Record<string, ort.Tensor> = {
    images: new ort.Tensor('float32', Float32Array.from({ length: batch * channels * size * size }, () => rng.normal()), [batch, channels, size, size]),
    labels: new ort.Tensor('int64', BigInt64Array.from({ length: batch }, (_, i) => BigInt(i % numClasses)), [batch]),
    sample_weights: new ort.Tensor('float32', new Float32Array(batch).fill(1), [batch]),
    class_weights: new ort.Tensor('float32', new Float32Array(numClasses).fill(1), [numClasses]),
    lr: new ort.Tensor('float32', Float32Array.of(o.lr), [1])
  }
  const updatedNames = [...graph.trainableNames, ...graph.stateNames, ...graph.bufferNames]
  return {
    state,
    /** Feeds for the 1-based step `step`. */
    feeds: (step: number) => ({ ...fixed, ...state, step: new ort.Tensor('float32', Float32Array.of(step), [1]) }),
    /** Take a step's outputs as the next step's inputs. */
    advance: (out: ort.InferenceSession.OnnxValueMapType) => {
      for (const name of updatedNames) state[name] = out[graph.outputs.updated(name)] as ort.Tensor
    }
  }
}
