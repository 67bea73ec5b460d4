import { describe, expect, it } from 'vitest'
import { trainLinearHead, withHead } from '../../../electron/engine/train/quick-head'
import { createRng } from '../../../electron/engine/train/rng'

describe('quick retrain head', () => {
  it('learns separable features and applies to raw (unstandardised) features', () => {
    // 3 classes in 8-D, offset and scaled features (as pooled ReLU features are).
    const rng = createRng(1)
    const n = 300
    const f = 8
    const features = new Float32Array(n * f)
    const labels: number[] = []
    for (let i = 0; i < n; i++) {
      const y = i % 3
      labels.push(y)
      for (let k = 0; k < f; k++) features[i * f + k] = 5 + 3 * (k === y ? 2 : 0) + rng.uniform(-1, 1) * (k + 1)
    }
    const head = trainLinearHead(features, labels, 3, { iterations: 200, lr: 0.05, weightDecay: 1e-4, classWeights: new Float32Array([1, 1, 1]) })
    let correct = 0
    for (let i = 0; i < n; i++) {
      let best = 0
      let bestV = -Infinity
      for (let c = 0; c < 3; c++) {
        let v = head.bias[c]!
        for (let k = 0; k < f; k++) v += head.weight[c * f + k]! * features[i * f + k]!
        if (v > bestV) {
          bestV = v
          best = c
        }
      }
      if (best === labels[i]) correct++
    }
    expect(correct / n).toBeGreaterThan(0.95)
    expect(head.loss).toBeLessThan(0.3)
    // Deterministic: no random numbers in training.
    expect(trainLinearHead(features, labels, 3, { iterations: 200, lr: 0.05, weightDecay: 1e-4, classWeights: new Float32Array([1, 1, 1]) }).weight).toEqual(head.weight)
    const merged = withHead(new Map([['conv1.weight', { shape: [1], data: new Float32Array(1) }], ['fc.weight', { shape: [1000, f], data: new Float32Array(1000 * f) }]]), head, 3, f)
    expect(merged.get('fc.weight')!.shape).toEqual([3, f])
    expect(merged.get('fc.bias')!.shape).toEqual([3])
    expect(merged.has('conv1.weight')).toBe(true)
  })
})
