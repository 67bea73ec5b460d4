import { describe, expect, it } from 'vitest'
import { anomalyMap, gaussianBlur, gaussianKernel1d, imageScore, reweightedScore } from '../../../electron/engine/anomaly/scoring'
import type { MemoryBank } from '../../../electron/engine/anomaly/knn'

describe('scoring', () => {
  it("uses anomalib's Gaussian kernel (size 2*floor(4 sigma + 0.5) + 1, sums to 1)", () => {
    const k = gaussianKernel1d(4)
    expect(k.length).toBe(33)
    expect(k.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6)
    expect(k[16]).toBeGreaterThan(k[15]!)
    expect(k[15]).toBeCloseTo(k[17]!, 7)
  })

  it('blurs with reflect padding: a constant stays constant, mass stays near a peak', () => {
    const flat = gaussianBlur(new Float32Array(20 * 30).fill(2.5), 20, 30, 4)
    for (const v of flat) expect(v).toBeCloseTo(2.5, 5)
    const peak = new Float32Array(64 * 64)
    peak[32 * 64 + 32] = 1
    const b = gaussianBlur(peak, 64, 64, 4)
    let sum = 0
    let maxAt = 0
    for (let i = 0; i < b.length; i++) {
      sum += b[i]!
      if (b[i]! > b[maxAt]!) maxAt = i
    }
    expect(sum).toBeCloseTo(1, 5)
    expect(maxAt).toBe(32 * 64 + 32)
  })

  it('the anomaly map peaks over the highest patch and the image score is the max patch', () => {
    const patches = new Float32Array(8 * 8).fill(1)
    patches[2 * 8 + 5] = 9
    const map = anomalyMap(patches, 8, 8, 64, 64)
    let maxAt = 0
    for (let i = 0; i < map.length; i++) if (map[i]! > map[maxAt]!) maxAt = i
    const y = Math.floor(maxAt / 64)
    const x = maxAt % 64
    // Patch (2, 5) covers pixels y 16..23, x 40..47.
    expect(y).toBeGreaterThanOrEqual(15)
    expect(y).toBeLessThanOrEqual(24)
    expect(x).toBeGreaterThanOrEqual(39)
    expect(x).toBeLessThanOrEqual(48)
    expect(imageScore(patches)).toEqual({ score: 9, index: 21 })
  })

  it('PatchCore reweighting raises the score when the nearest bank row is isolated', () => {
    // Bank in 2-D: a dense cluster near (0, 0) and one isolated row at (10, 0).
    const rows = [[0, 0], [0.1, 0], [0, 0.1], [0.1, 0.1], [-0.1, 0], [0, -0.1], [10, 0]]
    const bank: MemoryBank = { data: Float32Array.from(rows.flat()), size: rows.length, dim: 2 }
    const nearDense = Float32Array.from([0, 1]) // nearest row 0, distance 1
    const nearIsolated = Float32Array.from([10, 1]) // nearest row 6, distance 1
    const dense = reweightedScore(bank, nearDense, 0, 1, 3)
    const isolated = reweightedScore(bank, nearIsolated, 6, 1, 3)
    expect(dense).toBeGreaterThan(0)
    expect(dense).toBeLessThan(1)
    expect(isolated).toBeGreaterThan(dense)
    expect(isolated).toBeLessThanOrEqual(1)
  })
})
