import { describe, expect, it } from 'vitest'
import { argmaxRows, classificationMetrics, confusionMatrix } from '../../../electron/engine/train/metrics'
import { classWeights, imbalanceRatio } from '../../../electron/engine/train/class-weights'

describe('classification metrics', () => {
  it('builds the confusion matrix with true classes as rows', () => {
    const m = confusionMatrix([0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 0, 2], 3)
    expect(m).toEqual([
      [1, 1, 0],
      [0, 1, 0],
      [1, 0, 2]
    ])
  })

  it('computes accuracy, per-class precision/recall/support and defect recall', () => {
    // classes: ok (good), scratch, spot
    const truth = [0, 0, 0, 0, 1, 1, 2, 2]
    const pred = [0, 0, 0, 1, 1, 0, 2, 2]
    const r = classificationMetrics(truth, pred, ['ok', 'scratch', 'spot'], 0)
    expect(r.accuracy).toBeCloseTo(6 / 8)
    expect(r.perClass[0]).toEqual({ class: 'ok', precision: 3 / 4, recall: 3 / 4, support: 4 })
    expect(r.perClass[1]).toEqual({ class: 'scratch', precision: 1 / 2, recall: 1 / 2, support: 2 })
    expect(r.perClass[2]).toEqual({ class: 'spot', precision: 1, recall: 1, support: 2 })
    // 4 defect images, one passed as ok.
    expect(r.defectRecall).toBeCloseTo(3 / 4)
    expect(r.balancedAccuracy).toBeCloseTo((0.75 + 0.5 + 1) / 3)
    expect(r.confusion.labels).toEqual(['ok', 'scratch', 'spot'])
  })

  it('a defect predicted as another defect still counts as caught', () => {
    const r = classificationMetrics([1, 2], [2, 1], ['ok', 'a', 'b'], 0)
    expect(r.accuracy).toBe(0)
    expect(r.defectRecall).toBe(1)
  })

  it('gives precision 0 for a never-predicted class and rejects bad indices', () => {
    const r = classificationMetrics([0, 1], [0, 0], ['ok', 'x'], 0)
    expect(r.perClass[1]!.precision).toBe(0)
    expect(() => confusionMatrix([3], [0], 2)).toThrow(/out of range/)
  })

  it('argmax over logits rows', () => {
    expect(Array.from(argmaxRows(new Float32Array([0.1, 2, -1, 5, 0, 0]), 3))).toEqual([1, 0])
  })
})

describe('class weights', () => {
  it('turn on beyond 3:1 only (auto) and are balanced weights', () => {
    expect(classWeights([30, 10], 'auto').applied).toBe(false)
    const w = classWeights([40, 10], 'auto')
    expect(w.applied).toBe(true)
    expect(Array.from(w.weights)).toEqual([50 / 80, 50 / 20])
    expect(Array.from(classWeights([40, 10], 'off').weights)).toEqual([1, 1])
    expect(imbalanceRatio([5, 0])).toBe(Infinity)
  })
})
