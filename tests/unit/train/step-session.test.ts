import { describe, expect, it } from 'vitest'
import { initResnet18Weights } from '../../../electron/engine/models/resnet'
import { StepSession, SUSPEND_ABOVE_ACTIVATION_BYTES } from '../../../electron/engine/train/step-session'
import { buildTrainStep } from '../../../electron/engine/train/train-step'

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
    const given = new Map([...weights].map(([name, t]) => [name, Float32Array.from(t.data)]))
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
    // The sessions feed the caller's arrays without copying them, and never change them.
    for (const [name, t] of weights) expect(t.data, name).toEqual(given.get(name))
    expect(wa.get('conv1.weight')!.data).not.toEqual(given.get('conv1.weight'))
    expect(suspended.optimizerState().get('momentum.conv1.weight')!.data).toEqual(straight.optimizerState().get('momentum.conv1.weight')!.data)
    await Promise.all([straight.release(), suspended.release()])
    await suspended.release() // releasing twice is harmless
  }, 60_000)
})

describe('StepSession.holdsLargeArena', () => {
  it('is false for a small model, whose session the trainer keeps open between epochs, and true for a full-size step', async () => {
    const weights = initResnet18Weights({ numClasses: 2, width: opts.width, seed: 4 })
    const small = await StepSession.open(opts, weights)
    expect(small.holdsLargeArena).toBe(false)
    await small.release()
    // The full-size step's forward writes ~1 GB (train-step.ts activationBytes); only its graph is built here.
    const full = buildTrainStep({ numClasses: 2, size: 224, batch: 32, freeze: 'all-but-stem', optimizer: 'sgd' })
    expect(full.activationBytes).toBeGreaterThan(SUSPEND_ABOVE_ACTIVATION_BYTES)
    const tiny = buildTrainStep({ numClasses: 2, width: opts.width, size: opts.size, batch: opts.batch, freeze: 'none', optimizer: 'sgd' })
    expect(tiny.activationBytes).toBeLessThan(SUSPEND_ABOVE_ACTIVATION_BYTES / 100)
  }, 60_000)
})
