import { describe, expect, it } from 'vitest'
import { initResnet18Weights } from '../../../electron/engine/models/resnet'
import { bindsOutputs, StepSession } from '../../../electron/engine/train/step-session'
import { buildTrainStep } from '../../../electron/engine/train/train-step'
import { detectNchwcBlock } from '../../../electron/engine/onnx/nchwc'
import * as ort from 'onnxruntime-node'

// Reduced ResNet18 (width 0.125, 32 px, batch 4): what matters is the state carried between steps.
const opts = { numClasses: 2, width: 0.125, size: 32, batch: 4, freeze: 'none' as const, optimizer: 'sgd' as const, momentum: 0.9, weightDecay: 0, labelSmoothing: 0, provider: 'cpu' as const, threads: 1 }
const plane = 3 * opts.size * opts.size
const batch = {
  images: Float32Array.from({ length: opts.batch * plane }, (_, i) => Math.sin(i * 0.37)),
  labels: BigInt64Array.from([0n, 1n, 0n, 1n]),
  sampleWeights: new Float32Array(opts.batch).fill(1),
  indices: [0, 1, 2, 3]
}
const classWeights = new Float32Array([1, 1])

describe('StepSession.suspend', () => {
  it('frees the session between steps without changing what the steps compute', async () => {
    const weights = initResnet18Weights({ numClasses: 2, width: opts.width, seed: 4 })
    const straight = await StepSession.open(opts, weights)
    const suspended = await StepSession.open(opts, weights)
    const losses: Array<[number, number]> = []
    for (let step = 0; step < 3; step++) {
      const a = await straight.run(batch, 0.05, step, classWeights)
      if (step > 0) await suspended.suspend() // as the trainer does at the end of an epoch
      const b = await suspended.run(batch, 0.05, step, classWeights)
      losses.push([a.loss, b.loss])
    }
    for (const [a, b] of losses) expect(b).toBe(a)
    expect(losses[2]![0]).not.toBe(losses[0]![0]) // the steps did train
    const wa = straight.weights()
    const wb = suspended.weights()
    for (const [name, t] of wa) expect(wb.get(name)!.data).toEqual(t.data)
    expect(suspended.optimizerState().get('momentum.conv1.weight')!.data).toEqual(straight.optimizerState().get('momentum.conv1.weight')!.data)
    await Promise.all([straight.release(), suspended.release()])
    await suspended.release() // releasing twice is harmless
  }, 60_000)

  it('with the stem trained, writes each step into its spare buffers: the same as feeding back the tensors the step returns', async () => {
    expect(bindsOutputs(opts.freeze)).toBe(true)
    expect(bindsOutputs('all-but-stem')).toBe(false)
    const weights = initResnet18Weights({ numClasses: 2, width: opts.width, seed: 5 })
    const bound = await StepSession.open(opts, weights)
    // The plain way: a session of the same graph, each step's outputs fed to the next.
    const step = buildTrainStep({ ...opts, gradient: { nchwcBlock: await detectNchwcBlock() } })
    const session = await ort.InferenceSession.create(step.model, { intraOpNumThreads: 1, enableMemPattern: false })
    const feeds = new Map<string, ort.Tensor>()
    for (const name of [...step.trainableNames, ...step.frozenNames, ...step.bufferNames]) feeds.set(name, new ort.Tensor('float32', new Float32Array(weights.get(name)!.data), [...weights.get(name)!.shape]))
    for (const name of step.stateNames) feeds.set(name, new ort.Tensor('float32', new Float32Array(step.shapes.get(name)!.reduce((a, b) => a * b, 1)), step.shapes.get(name)!))
    for (let k = 0; k < 3; k++) {
      const got = await bound.run(batch, 0.05, k, classWeights)
      const out = await session.run({
        ...Object.fromEntries(feeds),
        [step.inputs.images]: new ort.Tensor('float32', batch.images, [opts.batch, 3, opts.size, opts.size]),
        [step.inputs.labels]: new ort.Tensor('int64', batch.labels, [opts.batch]),
        [step.inputs.sampleWeights]: new ort.Tensor('float32', batch.sampleWeights, [opts.batch]),
        [step.inputs.classWeights]: new ort.Tensor('float32', classWeights, [2]),
        [step.inputs.lr]: new ort.Tensor('float32', new Float32Array([0.05]), [1]),
        [step.inputs.step]: new ort.Tensor('float32', new Float32Array([k + 1]), [1])
      })
      for (const name of [...step.trainableNames, ...step.stateNames, ...step.bufferNames]) feeds.set(name, out[step.outputs.updated(name)]!)
      expect(got.loss).toBe((out[step.outputs.loss]!.data as Float32Array)[0])
    }
    const w = bound.weights()
    for (const name of [...step.trainableNames, ...step.bufferNames]) expect(w.get(name)!.data).toEqual(feeds.get(name)!.data)
    const m = bound.optimizerState()
    for (const name of step.stateNames) expect(m.get(name)!.data).toEqual(feeds.get(name)!.data)
    await Promise.all([bound.release(), session.release()])
  }, 60_000)
})
