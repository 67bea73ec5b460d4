import { describe, expect, it } from 'vitest'
import * as ort from 'onnxruntime-node'
import { averagePool3x3, patchEmbeddings, project, randomProjection, resizeBilinear, type FeatureMaps } from '../../../electron/engine/anomaly/patch-features'
import { coresetSize, greedyCoreset, greedyKCenter, principalAxes } from '../../../electron/engine/anomaly/coreset'
import { nearestBlocked, nearestNaive, type MemoryBank } from '../../../electron/engine/anomaly/knn'
import { buildKnnModel } from '../../../electron/engine/anomaly/anomaly-graph'
import { createNearestSearch } from '../../../electron/engine/anomaly/knn-search'
import { coresetOnnx } from '../../../electron/engine/anomaly/patchcore'
import { createRng } from '../../../electron/engine/train/rng'

function randomArray(n: number, seed: number): Float32Array {
  const rng = createRng(seed)
  return Float32Array.from({ length: n }, () => rng.uniform(-1, 1))
}

function maps(n: number, c: number, h: number, w: number, seed: number): FeatureMaps {
  return { data: randomArray(n * c * h * w, seed), n, channels: c, height: h, width: w }
}

describe('patch features', () => {
  it('averages each 3x3 neighbourhood, counting zero padding (torch AvgPool2d default)', () => {
    const x = maps(1, 2, 4, 5, 1)
    const out = averagePool3x3(x)
    for (let c = 0; c < 2; c++) {
      for (let i = 0; i < 4; i++) {
        for (let j = 0; j < 5; j++) {
          let s = 0
          for (let di = -1; di <= 1; di++) for (let dj = -1; dj <= 1; dj++) {
            const ii = i + di, jj = j + dj
            if (ii >= 0 && ii < 4 && jj >= 0 && jj < 5) s += x.data[c * 20 + ii * 5 + jj]!
          }
          expect(out.data[c * 20 + i * 5 + j]).toBeCloseTo(s / 9, 6)
        }
      }
    }
  })

  it('resizes bilinearly with half-pixel centres (matches torch align_corners=False values)', () => {
    // torch.nn.functional.interpolate(torch.tensor([[[[1., 2.], [3., 4.]]]]), size=(4, 4), mode='bilinear')
    const out = resizeBilinear(Float32Array.from([1, 2, 3, 4]), 1, 2, 2, 4, 4)
    const expected = [1, 1.25, 1.75, 2, 1.5, 1.75, 2.25, 2.5, 2.5, 2.75, 3.25, 3.5, 3, 3.25, 3.75, 4]
    expected.forEach((v, i) => expect(out[i]).toBeCloseTo(v, 6))
    const same = resizeBilinear(Float32Array.from([1, 2, 3, 4]), 1, 2, 2, 2, 2)
    expect(Array.from(same)).toEqual([1, 2, 3, 4])
  })

  it('concatenates pooled layer2 with upsampled pooled layer3, one row per patch', () => {
    const l2 = maps(2, 3, 4, 4, 2)
    const l3 = maps(2, 5, 2, 2, 3)
    const e = patchEmbeddings(l2, l3)
    expect([e.n, e.height, e.width, e.dim]).toEqual([2, 4, 4, 8])
    const p2 = averagePool3x3(l2)
    const up3 = resizeBilinear(averagePool3x3(l3).data, 10, 2, 2, 4, 4)
    // image 1, patch (2, 3): channel 1 of layer2 and channel 4 of layer3
    const row = (1 * 16 + 2 * 4 + 3) * 8
    expect(e.data[row + 1]).toBeCloseTo(p2.data[(1 * 3 + 1) * 16 + 11]!, 6)
    expect(e.data[row + 3 + 4]).toBeCloseTo(up3[(1 * 5 + 4) * 16 + 11]!, 6)
  })

  it('random projection roughly preserves squared distances (Johnson-Lindenstrauss)', () => {
    const dim = 96
    const rows = randomArray(40 * dim, 4)
    const m = randomProjection(dim, 64, 5)
    const z = project(rows, 40, dim, m, 64)
    let ratioSum = 0
    for (let i = 1; i < 40; i++) {
      let a = 0, b = 0
      for (let j = 0; j < dim; j++) a += (rows[j]! - rows[i * dim + j]!) ** 2
      for (let j = 0; j < 64; j++) b += (z[j]! - z[i * 64 + j]!) ** 2
      ratioSum += b / a
    }
    expect(ratioSum / 39).toBeGreaterThan(0.8)
    expect(ratioSum / 39).toBeLessThan(1.2)
  })
})

describe('nearest neighbour search', () => {
  const dim = 37
  const bank: MemoryBank = { data: randomArray(211 * dim, 6), size: 211, dim }
  const queries = randomArray(103 * dim, 7) // 103: not a multiple of the 4-query block

  it('the blocked JS search equals brute force', () => {
    const naive = nearestNaive(bank, queries, 103)
    const fast = nearestBlocked(bank, queries, 103)
    expect(Array.from(fast.indices)).toEqual(Array.from(naive.indices))
    for (let i = 0; i < 103; i++) expect(fast.distances[i]).toBeCloseTo(naive.distances[i]!, 3)
  })

  it('the ONNX MatMul + ReduceMin graph equals brute force', async () => {
    const naive = nearestNaive(bank, queries, 103)
    const session = await ort.InferenceSession.create(buildKnnModel(bank))
    const out = await session.run({ queries: new ort.Tensor('float32', queries, [103, dim]) })
    const d = out.distances!.data as Float32Array
    const idx = out.indices!.data as BigInt64Array
    for (let i = 0; i < 103; i++) {
      expect(Number(idx[i])).toBe(naive.indices[i])
      expect(d[i]).toBeCloseTo(naive.distances[i]!, 3)
    }
    await session.release()
  })

  it('both back ends behind the switch give the same neighbours', async () => {
    const naive = nearestNaive(bank, queries, 103)
    for (const backend of ['js', 'onnx'] as const) {
      const search = await createNearestSearch(bank, backend)
      const r = await search.search(queries, 103)
      await search.release()
      expect(Array.from(r.indices)).toEqual(Array.from(naive.indices))
      for (let i = 0; i < 103; i++) expect(r.distances[i]).toBeCloseTo(naive.distances[i]!, 3)
    }
  })
})

describe('greedy coreset', () => {
  it('keeps round(fraction * count) rows, at least one', () => {
    expect(coresetSize(1000, 0.1)).toBe(100)
    expect(coresetSize(1000, 0.0001)).toBe(1)
    expect(coresetSize(7, 1)).toBe(7)
    expect(() => coresetSize(10, 0)).toThrow(/fraction/)
    const rows = randomArray(500 * 8, 8)
    for (const f of [0.01, 0.05, 0.2, 0.5]) {
      const idx = greedyCoreset(rows, 500, 8, { fraction: f, seed: 1 })
      expect(idx.length).toBe(Math.round(500 * f))
      expect(new Set(idx).size).toBe(idx.length)
    }
  })

  it('handles exact duplicates: distinct values first, then distinct indices', () => {
    const rows = new Float32Array(50 * 3)
    for (let i = 0; i < 50; i++) rows.set([i % 5, (i % 5) * 2, 1], i * 3)
    const idx = greedyKCenter(rows, 50, 3, 20, 7)
    expect(new Set(idx).size).toBe(20)
    expect(new Set(Array.from(idx.subarray(0, 5), (i) => i % 5)).size).toBe(5)
  })

  it('matches a brute-force greedy k-center on small data', () => {
    const n = 120, d = 6, k = 15
    const rows = randomArray(n * d, 9)
    const dist = (a: number, b: number): number => {
      let s = 0
      for (let j = 0; j < d; j++) s += (rows[a * d + j]! - rows[b * d + j]!) ** 2
      return s
    }
    // Oracle: recompute every point's distance to the whole chosen set at each step.
    const oracle = [3]
    while (oracle.length < k) {
      let best = -1, bi = -1
      for (let i = 0; i < n; i++) {
        const m = Math.min(...oracle.map((c) => dist(i, c)))
        if (m > best) { best = m; bi = i }
      }
      oracle.push(bi)
    }
    expect(Array.from(greedyKCenter(rows, n, d, k, 3))).toEqual(oracle)
  })

  it('the pruned search picks exactly what the textbook incremental greedy picks', () => {
    const n = 3000, d = 12, k = 300
    const rng = createRng(11)
    const rows = new Float32Array(n * d)
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) rows[i * d + j] = (i % 7) + rng.uniform(-1, 1)
    const minDist = new Float64Array(n).fill(Infinity)
    const textbook: number[] = []
    let next = 5
    for (let step = 0; step < k; step++) {
      const centre = next
      textbook.push(centre)
      let best = -1
      for (let i = 0; i < n; i++) {
        let s = 0
        for (let j = 0; j < d; j++) s += (rows[i * d + j]! - rows[centre * d + j]!) ** 2
        minDist[i] = Math.min(minDist[i]!, s)
        if (minDist[i]! > best) { best = minDist[i]!; next = i }
      }
    }
    expect(Array.from(greedyKCenter(rows, n, d, k, 5))).toEqual(textbook)
  })

  it('the principal-axes rotation changes no distance, so the coreset is that of the random projection alone', () => {
    const n = 2000, dim = 48, d = 16, seed = 3
    const rng = createRng(12)
    const rows = new Float32Array(n * dim)
    for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) rows[i * dim + j] = Math.sin((i % 13) * (j + 1)) * 2 + rng.uniform(-0.4, 0.4)
    const axes = principalAxes(rows, n, dim)
    // Orthogonal: V^T V = I.
    for (let a = 0; a < dim; a += 7) for (let b = 0; b < dim; b += 5) {
      let dot = 0
      for (let r = 0; r < dim; r++) dot += axes[r * dim + a]! * axes[r * dim + b]!
      expect(dot).toBeCloseTo(a === b ? 1 : 0, 4)
    }
    const plain = project(rows, n, dim, randomProjection(dim, d, seed ^ 0x0c0c), d)
    const reference = greedyKCenter(plain, n, d, 100, createRng(seed).int(n))
    const ours = greedyCoreset(rows, n, dim, { fraction: 100 / n, projectionDim: d, seed })
    expect(Array.from(ours)).toEqual(Array.from(reference))
  })

  it('projecting with onnxruntime picks the same coreset as the JS projection', async () => {
    const n = 3000, dim = 40
    const rows = randomArray(n * dim, 13)
    const opts = { fraction: 0.05, projectionDim: 16, seed: 4 }
    expect(Array.from(await coresetOnnx(rows, n, dim, opts))).toEqual(Array.from(greedyCoreset(rows, n, dim, opts)))
  })

  it('covers the data better than a random subset of the same size', () => {
    const n = 600, d = 16
    // Clustered data with one rare cluster of 6 points: k-center must keep it.
    const rng = createRng(10)
    const rows = new Float32Array(n * d)
    for (let i = 0; i < n; i++) {
      const centre = i < 6 ? 8 : (i % 3) * 2
      for (let j = 0; j < d; j++) rows[i * d + j] = centre + rng.uniform(-0.3, 0.3)
    }
    const coverRadius = (idx: ArrayLike<number>): number => {
      let worst = 0
      for (let i = 0; i < n; i++) {
        let m = Infinity
        for (let t = 0; t < idx.length; t++) {
          let s = 0
          for (let j = 0; j < d; j++) s += (rows[i * d + j]! - rows[idx[t]! * d + j]!) ** 2
          m = Math.min(m, s)
        }
        worst = Math.max(worst, m)
      }
      return worst
    }
    const core = greedyCoreset(rows, n, d, { fraction: 0.02, seed: 2, projectionDim: 8 })
    const random = Array.from({ length: core.length }, (_, i) => 6 + i * 7)
    expect(Array.from(core).some((i) => i < 6)).toBe(true)
    expect(coverRadius(core)).toBeLessThan(coverRadius(random) / 4)
  })
})
