import * as ort from 'onnxruntime-node'
import { describe, expect, it } from 'vitest'
import { buildTrainStep, type FreezePreset } from '../../../electron/engine/train/train-step'
import { randomStepFeeds } from './train-step-feeds'

/**
 * The flat optimizer update (electron/engine/optim/flat-update.ts) against the update
 * written per parameter: three steps from the same weights and batch, every updated
 * parameter, optimizer state and BN buffer equal element by element, with far fewer nodes.
 */
async function threeSteps(flatUpdate: boolean, optimizer: 'sgd' | 'adamw', freeze: FreezePreset) {
  const o = { numClasses: 3, width: 0.125, size: 32, batch: 4 }
  const graph = buildTrainStep({ ...o, freeze, optimizer, weightDecay: optimizer === 'sgd' ? 1e-4 : 0.01, flatUpdate })
  const session = await ort.InferenceSession.create(graph.model, { intraOpNumThreads: 1 })
  const inputs = randomStepFeeds(graph, { ...o, lr: 0.01, seed: 3 })
  for (let s = 1; s <= 3; s++) inputs.advance(await session.run(inputs.feeds(s)))
  await session.release()
  return { graph, state: inputs.state }
}

describe('flat optimizer update', () => {
  for (const [optimizer, freeze] of [['adamw', 'none'], ['sgd', 'none'], ['adamw', 'head']] as const) {
    it(`${optimizer}, freeze ${freeze}: bit-identical to the per-parameter update after three steps`, async () => {
      const flat = await threeSteps(true, optimizer, freeze)
      const perParam = await threeSteps(false, optimizer, freeze)
      expect(flat.graph.stateNames).toEqual(perParam.graph.stateNames)
      const names = [...flat.graph.trainableNames, ...flat.graph.stateNames, ...flat.graph.bufferNames]
      expect(names.length).toBeGreaterThan(2)
      for (const name of names) {
        const a = flat.state[name]!.data as Float32Array
        const b = perParam.state[name]!.data as Float32Array
        expect(a.length, name).toBe(b.length)
        expect(Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength)), name).toBe(true)
      }
      // The parameters moved (a test of equality between two frozen copies would pass too).
      const w = flat.graph.trainableNames[0]!
      const start = randomStepFeeds(flat.graph, { numClasses: 3, width: 0.125, size: 32, batch: 4, lr: 0.01, seed: 3 }).state[w]!.data as Float32Array
      expect((flat.state[w]!.data as Float32Array).some((v, i) => v !== start[i])).toBe(true)
    })
  }

  it('keeps per-parameter state names, flat ([numel]) state shapes, and writes far fewer optimizer nodes', () => {
    const o = { numClasses: 3, width: 0.125, size: 32, batch: 2, freeze: 'none' as const, optimizer: 'adamw' as const }
    const flat = buildTrainStep({ ...o, flatUpdate: true })
    const perParam = buildTrainStep({ ...o, flatUpdate: false })
    const conv1 = perParam.shapes.get('conv1.weight')!
    expect(conv1).toHaveLength(4)
    expect(perParam.shapes.get('exp_avg.conv1.weight')).toEqual(conv1)
    expect(flat.shapes.get('exp_avg.conv1.weight')).toEqual([conv1.reduce((a, b) => a * b, 1)])
    expect(flat.shapes.get('conv1.weight')).toEqual(conv1)
    // ~14 nodes per parameter become ~3 (the Reshapes around the Concat and the Split).
    expect(perParam.model.length - flat.model.length).toBeGreaterThan(20_000)
  })
})
