import { describe, expect, it } from 'vitest'
import { deserializeCheckpoint, serializeCheckpoint, type Checkpoint } from '../../../electron/engine/train/checkpoints'
import { gateDecision } from '../../../electron/engine/train/gate'
import { classificationMetrics } from '../../../electron/engine/train/metrics'
import { initialEarlyStopping } from '../../../electron/engine/train/early-stopping'

describe('checkpoints', () => {
  it('round-trip weights, optimizer state, best weights and loop state exactly', () => {
    const w = (v: number[]) => ({ shape: [v.length], data: new Float32Array(v) })
    const cp: Checkpoint = {
      loop: { nextEpoch: 3, globalStep: 42, seed: 7, earlyStopping: { ...initialEarlyStopping(), best: 0.9, bestEpoch: 1 }, history: [], stopped: false },
      weights: new Map([['fc.weight', w([1.5, -2.25, 1e-30])]]),
      optimizer: new Map([['momentum.fc.weight', w([0.1, 0.2, 0.3])]]),
      best: new Map([['fc.weight', w([9, 8, 7])]])
    }
    const parts = serializeCheckpoint(cp)
    const back = deserializeCheckpoint({ state: JSON.parse(JSON.stringify(parts.state)) as Record<string, unknown>, weights: parts.weights, optimizer: parts.optimizer })
    expect(back.loop).toEqual(cp.loop)
    expect(back.weights.get('fc.weight')!.data).toEqual(cp.weights.get('fc.weight')!.data)
    expect(back.optimizer.get('momentum.fc.weight')!.data).toEqual(cp.optimizer.get('momentum.fc.weight')!.data)
    expect(back.best!.get('fc.weight')!.data).toEqual(new Float32Array([9, 8, 7]))
    expect(() => deserializeCheckpoint({ state: { nextEpoch: 1 }, weights: parts.weights, optimizer: null })).toThrow(/format/)
  })
})

describe('never-worse gate', () => {
  const classes = ['ok', 'scratch']
  // 10 good + 10 defect validation images.
  const truth = [...Array(10).fill(0), ...Array(10).fill(1)] as number[]
  const metricsFor = (goodWrong: number, defectMissed: number) =>
    classificationMetrics(
      truth,
      truth.map((t, i) => (t === 0 ? (i < goodWrong ? 1 : 0) : i - 10 < defectMissed ? 0 : 1)),
      classes,
      0
    )

  it('activates the first model', () => {
    expect(gateDecision({ candidate: { classes, metrics: metricsFor(3, 3) }, active: null }).activate).toBe(true)
  })
  it('refuses lower defect recall even with higher accuracy', () => {
    const d = gateDecision({ candidate: { classes, metrics: metricsFor(0, 1) }, active: { version: 1, classes, metrics: metricsFor(3, 0) } })
    expect(d.activate).toBe(false)
    expect(d.reason).toMatch(/Defect recall/)
  })
  it('refuses an accuracy drop beyond 0.5 point, accepts equal or better', () => {
    expect(gateDecision({ candidate: { classes, metrics: metricsFor(1, 0) }, active: { version: 1, classes, metrics: metricsFor(0, 0) } }).activate).toBe(false)
    expect(gateDecision({ candidate: { classes, metrics: metricsFor(0, 0) }, active: { version: 1, classes, metrics: metricsFor(1, 0) } }).activate).toBe(true)
    expect(gateDecision({ candidate: { classes, metrics: metricsFor(1, 0) }, active: { version: 1, classes, metrics: metricsFor(1, 0) } }).activate).toBe(true)
  })
  it('never auto-activates a changed class list', () => {
    const d = gateDecision({ candidate: { classes: ['ok', 'spot'], metrics: metricsFor(0, 0) }, active: { version: 2, classes, metrics: metricsFor(5, 5) } })
    expect(d.activate).toBe(false)
    expect(d.reason).toMatch(/class list changed/)
  })
})
