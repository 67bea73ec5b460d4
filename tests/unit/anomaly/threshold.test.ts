import { describe, expect, it } from 'vitest'
import { auroc, binomialAcceptance, freshFrrAcceptance, binomialCdf, calibrateThreshold, clopperPearson, f1BestThreshold, frrWithinBound, normalQuantile, rocCurve } from '../../../electron/engine/anomaly/threshold'
import { createRng } from '../../../electron/engine/train/rng'

function normals(n: number, seed: number, mean = 0, sd = 1): number[] {
  const rng = createRng(seed)
  return Array.from({ length: n }, () => mean + sd * Math.sqrt(-2 * Math.log(Math.max(rng.next(), 1e-12))) * Math.cos(2 * Math.PI * rng.next()))
}

describe('binomial helpers', () => {
  it('agree with known values', () => {
    expect(binomialCdf(2, 10, 0.5)).toBeCloseTo(56 / 1024, 10)
    expect(binomialCdf(0, 100, 0.01)).toBeCloseTo(0.99 ** 100, 10)
    // scipy.stats.beta.ppf(0.975, 1, 20) = 0.16843347; Clopper-Pearson upper for 0/20.
    expect(clopperPearson(0, 20).upper).toBeCloseTo(0.16843347, 5)
    expect(clopperPearson(5, 50).lower).toBeCloseTo(0.03327509, 5)
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 5)
    // Binomial(200, 0.05): P(X <= 4) = 0.0264 > 0.025 and P(X >= 17) = 0.0206
    expect(binomialAcceptance(200, 0.05)).toEqual({ low: 4, high: 16 })
    expect(frrWithinBound(10, 200, 0.05)).toBe(true)
    expect(frrWithinBound(25, 200, 0.05)).toBe(false)
  })
})

describe('threshold calibration from good images only', () => {
  it('picks the order statistic for the target rate and never rejects all good images', () => {
    const good = normals(399, 1, 10, 1)
    const c = calibrateThreshold(good, 0.01)
    expect(c.method).toBe('order-statistic')
    expect(c.warning).toBeUndefined()
    // k = ceil(400 * 0.99) = 396: the threshold lies between the 396th and 397th smallest scores; 3 images lie above.
    const sorted = [...good].sort((a, b) => a - b)
    expect(c.threshold).toBe((sorted[395]! + sorted[396]!) / 2)
    expect(good.filter((s) => s >= c.threshold).length).toBe(3)
    expect(c.calibrationFrr).toBeCloseTo(3 / 399, 10)
    expect(c.expectedFrr).toBeLessThanOrEqual(0.01)
    expect(c.frrUpperBound95).toBeGreaterThan(c.calibrationFrr)
  })

  it('holds the target rate on fresh good images within the 95 % bound', () => {
    // Calibration set much larger than the fresh set: the plain binomial bound of the target applies.
    for (const [target, seed] of [[0.05, 2], [0.02, 3], [0.1, 4]] as const) {
      const c = calibrateThreshold(normals(20000, seed, 3, 0.5), target)
      const fresh = normals(400, seed + 100, 3, 0.5)
      const rejects = fresh.filter((s) => s >= c.threshold).length
      expect(frrWithinBound(rejects, fresh.length, target)).toBe(true)
    }
    // Comparable sizes: the bound also carries the calibration's own sampling (Beta-binomial).
    for (const [target, seed] of [[0.05, 5], [0.02, 6], [0.1, 7]] as const) {
      const c = calibrateThreshold(normals(1000, seed, 3, 0.5), target)
      const fresh = normals(2000, seed + 100, 3, 0.5)
      const rejects = fresh.filter((s) => s >= c.threshold).length
      const { low, high } = freshFrrAcceptance(fresh.length, c)
      const binomial = binomialAcceptance(fresh.length, target)
      expect(low).toBeLessThanOrEqual(binomial.low)
      expect(high).toBeGreaterThanOrEqual(binomial.high)
      expect(rejects).toBeGreaterThanOrEqual(low)
      expect(rejects).toBeLessThanOrEqual(high)
    }
  })

  it('warns when the calibration set is too small for the requested rate', () => {
    const good = normals(50, 5)
    const c = calibrateThreshold(good, 0.005)
    expect(c.method).toBe('normal-tail')
    expect(c.minimumImages).toBe(199)
    expect(c.warning).toMatch(/Only 50 good images .* needs at least 199/)
    expect(c.threshold).toBeGreaterThan(Math.max(...good))
    expect(c.calibrationFrr).toBe(0)
    expect(() => calibrateThreshold([], 0.01)).toThrow(/No good images/)
    expect(() => calibrateThreshold([1, 2], 0)).toThrow(/between 0 and 1/)
  })
})

describe('ROC, AUROC and the F1-best threshold', () => {
  it('AUROC equals the pairwise definition, ties counting half', () => {
    const rng = createRng(6)
    const scores = Array.from({ length: 60 }, () => Math.round(rng.uniform(0, 10)))
    const labels = scores.map((s, i) => (i % 3 === 0 || s > 8 ? 1 : 0))
    let wins = 0, pairs = 0
    for (let i = 0; i < 60; i++) for (let j = 0; j < 60; j++) {
      if (labels[i] === 1 && labels[j] === 0) {
        pairs++
        wins += scores[i]! > scores[j]! ? 1 : scores[i] === scores[j] ? 0.5 : 0
      }
    }
    expect(auroc(scores, labels)).toBeCloseTo(wins / pairs, 12)
    expect(auroc([1, 2, 3, 4], [0, 0, 1, 1])).toBe(1)
    expect(Number.isNaN(auroc([1, 2], [0, 0]))).toBe(true)
  })

  it('the ROC curve runs from (0,0) to (1,1) and its trapezoid area is the AUROC', () => {
    const good = normals(80, 7, 0, 1)
    const bad = normals(20, 8, 2, 1)
    const scores = [...good, ...bad]
    const labels = [...good.map(() => 0), ...bad.map(() => 1)]
    const roc = rocCurve(scores, labels, 1000)
    expect(roc[0]).toMatchObject({ falsePositiveRate: 0, truePositiveRate: 0 })
    expect(roc.at(-1)).toMatchObject({ falsePositiveRate: 1, truePositiveRate: 1 })
    let area = 0
    for (let i = 1; i < roc.length; i++) area += (roc[i]!.falsePositiveRate - roc[i - 1]!.falsePositiveRate) * (roc[i]!.truePositiveRate + roc[i - 1]!.truePositiveRate) / 2
    expect(area).toBeCloseTo(auroc(scores, labels), 10)
    // Each point's threshold gives exactly that point's rates (FAIL = score >= threshold).
    for (const p of [roc[0]!, roc[40]!, roc.at(-1)!]) {
      expect(bad.filter((s) => s >= p.threshold).length / 20).toBeCloseTo(p.truePositiveRate, 10)
      expect(good.filter((s) => s >= p.threshold).length / 80).toBeCloseTo(p.falsePositiveRate, 10)
    }
    expect(rocCurve(scores, labels, 50).length).toBe(50)
  })

  it('finds the F1-best threshold, and offers none without defect labels', () => {
    const scores = [0.1, 0.2, 0.3, 0.9, 0.95, 0.4]
    const labels = [0, 0, 0, 1, 1, 0]
    const best = f1BestThreshold(scores, labels)!
    expect(best.f1).toBe(1)
    expect(best.threshold).toBeGreaterThan(0.4)
    expect(best.threshold).toBeLessThan(0.9)
    expect(f1BestThreshold([1, 2, 3], [0, 0, 0])).toBeUndefined()
  })
})
