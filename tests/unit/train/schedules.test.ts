import { describe, expect, it } from 'vitest'
import { learningRateAt } from '../../../electron/engine/train/schedules'
import { initialEarlyStopping, updateEarlyStopping } from '../../../electron/engine/train/early-stopping'

describe('learning-rate schedules', () => {
  const pos = (epoch: number, stepInEpoch = 0) => ({ epoch, stepInEpoch, stepsPerEpoch: 10, totalEpochs: 20 })

  it('StepLR(7, 0.1) as torch: constant within an epoch, x0.1 every 7 epochs', () => {
    const s = { kind: 'step', stepSize: 7, gamma: 0.1 } as const
    expect(learningRateAt(0.001, s, pos(0))).toBeCloseTo(0.001, 12)
    expect(learningRateAt(0.001, s, pos(6, 9))).toBeCloseTo(0.001, 12)
    expect(learningRateAt(0.001, s, pos(7))).toBeCloseTo(0.0001, 12)
    expect(learningRateAt(0.001, s, pos(14))).toBeCloseTo(0.00001, 12)
  })

  it('cosine with warm-up rises linearly, peaks at the base, ends at the floor', () => {
    const s = { kind: 'cosine', warmupEpochs: 2, minLrFactor: 0 } as const
    expect(learningRateAt(1, s, pos(0, 0))).toBeCloseTo(1 / 20)
    expect(learningRateAt(1, s, pos(1, 9))).toBeCloseTo(1)
    expect(learningRateAt(1, s, pos(2, 0))).toBeCloseTo(1)
    // Halfway through the decay phase (steps 20..200): step 110.
    expect(learningRateAt(1, s, pos(11, 0))).toBeCloseTo(0.5)
    expect(learningRateAt(1, s, pos(19, 9))).toBeLessThan(0.001)
    // Monotone after the warm-up.
    let prev = Infinity
    for (let e = 2; e < 20; e++) {
      const lr = learningRateAt(1, s, pos(e, 5))
      expect(lr).toBeLessThanOrEqual(prev)
      prev = lr
    }
  })
})

describe('early stopping', () => {
  it('keeps the best epoch and stops after `patience` epochs without improvement', () => {
    const cfg = { patience: 2, minDelta: 0 }
    let s = initialEarlyStopping()
    const scores = [0.5, 0.7, 0.7, 0.6, 0.9]
    const out: Array<{ improved: boolean; stop: boolean }> = []
    for (let e = 0; e < scores.length; e++) {
      const r = updateEarlyStopping(s, cfg, e, scores[e]!)
      s = r.state
      out.push({ improved: r.improved, stop: r.stop })
      if (r.stop) break
    }
    expect(out.map((o) => o.improved)).toEqual([true, true, false, false])
    expect(out.at(-1)!.stop).toBe(true)
    expect(s.bestEpoch).toBe(1)
    expect(s.best).toBe(0.7)
  })

  it('does not stop before minEpochs', () => {
    const cfg = { patience: 2, minDelta: 0, minEpochs: 6 }
    let s = initialEarlyStopping()
    const scores = [0.5, 0.6, 0.8, 0.7, 0.77, 0.7, 0.7, 0.7]
    const stops: boolean[] = []
    for (let e = 0; e < scores.length; e++) {
      const r = updateEarlyStopping(s, cfg, e, scores[e]!)
      s = r.state
      stops.push(r.stop)
      if (r.stop) break
    }
    // Without minEpochs it would have stopped at epoch 4 (two epochs without a new best).
    expect(stops).toEqual([false, false, false, false, false, true])
    expect(s.bestEpoch).toBe(2)
    expect(s.best).toBe(0.8)
  })
})
