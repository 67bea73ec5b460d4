import { createRng } from '../train/rng'
import { project, randomProjection } from './patch-features'

/**
 * Greedy k-center coreset subsampling (PatchCore, Roth et al. 2022, Algorithm 1): start
 * from one random patch, then repeatedly add the patch farthest from everything chosen so
 * far. The result covers the feature space with few points, so the memory bank keeps rare
 * good appearances that uniform subsampling would drop.
 *
 * As in the paper, distances are computed after a random linear projection to a low
 * dimension (Johnson–Lindenstrauss) to make each pass cheap; the chosen indices refer to
 * the full features. Worst case count × k × projectionDim multiply-adds (the pruning in
 * greedyKCenter usually saves most of them) and count × projectionDim floats of memory;
 * bench/anomaly.ts: 156,800 patches → 15,680 in about a minute on a loaded 2-core box.
 */

export interface CoresetOptions {
  /** Fraction of the rows to keep, in (0, 1]. */
  fraction: number
  /** Dimension used for the distance computation (PatchCore: 128). 0 = no projection. */
  projectionDim?: number
  seed?: number
}

/** How many rows a fraction keeps: at least one, at most all. */
export function coresetSize(count: number, fraction: number): number {
  if (!(fraction > 0 && fraction <= 1)) throw new RangeError(`Coreset fraction must be in (0, 1], got ${fraction}; use e.g. 0.1 for 10 %.`)
  return Math.max(1, Math.min(count, Math.round(count * fraction)))
}

/**
 * Indices (in selection order) of the greedy k-center coreset of rows [count, dim].
 * With fraction 1 every row is returned in its original order.
 */
export function greedyCoreset(rows: Float32Array, count: number, dim: number, opts: CoresetOptions): Int32Array {
  const k = coresetSize(count, opts.fraction)
  if (k === count) return Int32Array.from({ length: count }, (_, i) => i)
  const { matrix, outDim } = coresetMatrix(rows, count, dim, opts)
  // z: [count, outDim] float32, the rows the distances are measured on.
  const z = project(rows, count, dim, matrix, outDim)
  return greedyKCenter(z, count, outDim, k, coresetFirstIndex(count, opts.seed ?? 0))
}

/** The first centre: a seeded random row, as the paper's algorithm starts. */
export function coresetFirstIndex(count: number, seed: number): number {
  return createRng(seed).int(count)
}

/**
 * The matrix [dim, outDim] that maps rows to the space the coreset measures distances in:
 * the random projection P [dim, d] (the paper's), followed by a rotation V [d, d] onto the
 * principal axes of a sample of the projected rows. V is orthogonal, so every distance —
 * and therefore the selection — is exactly that of P alone; but the leading coordinates
 * now carry most of the variance (on ResNet patch features the first 16 of 128 hold
 * > 90 %), so the early exits in greedyKCenter stop after a few coordinates.
 * Callers with a fast matrix multiply (onnxruntime) apply it themselves.
 */
export function coresetMatrix(rows: Float32Array, count: number, dim: number, opts: Omit<CoresetOptions, 'fraction'>): { matrix: Float32Array; outDim: number } {
  const pDim = opts.projectionDim ?? 128
  const seed = opts.seed ?? 0
  const useProjection = pDim > 0 && pDim < dim
  const d = useProjection ? pDim : dim
  const p = useProjection ? randomProjection(dim, pDim, seed ^ 0x0c0c) : identity(dim)
  const sample = sampleRows(rows, count, dim, Math.min(count, 5000), seed)
  const rotation = principalAxes(project(sample, sample.length / dim, dim, p, d), sample.length / dim, d)
  return { matrix: project(p, dim, d, rotation, d), outDim: d }
}

function identity(n: number): Float32Array {
  const m = new Float32Array(n * n)
  for (let i = 0; i < n; i++) m[i * n + i] = 1
  return m
}

/** Every (count/k)-th row, as a [k, dim] copy. */
function sampleRows(rows: Float32Array, count: number, dim: number, k: number, seed: number): Float32Array {
  const out = new Float32Array(k * dim)
  const offset = createRng(seed ^ 0x5a).int(Math.max(1, Math.floor(count / k)))
  for (let i = 0; i < k; i++) {
    const r = Math.min(count - 1, offset + Math.floor((i * count) / k))
    out.set(rows.subarray(r * dim, (r + 1) * dim), i * dim)
  }
  return out
}

/**
 * Orthogonal matrix [d, d] whose columns are the principal axes of rows [n, d], ordered by
 * decreasing variance (cyclic Jacobi eigenvalue iteration on the covariance).
 */
export function principalAxes(rows: Float32Array, n: number, d: number): Float32Array {
  const mean = new Float64Array(d)
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j]! += rows[i * d + j]!
  for (let j = 0; j < d; j++) mean[j]! /= Math.max(1, n)
  const c = new Float64Array(d * d) // covariance (unnormalised), then rotated towards diagonal
  const centred = new Float64Array(d)
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) centred[j] = rows[i * d + j]! - mean[j]!
    for (let a = 0; a < d; a++) {
      const v = centred[a]!
      if (v === 0) continue
      const o = a * d
      for (let b = a; b < d; b++) c[o + b]! += v * centred[b]!
    }
  }
  for (let a = 0; a < d; a++) for (let b = 0; b < a; b++) c[a * d + b] = c[b * d + a]!
  const v = new Float64Array(d * d)
  for (let i = 0; i < d; i++) v[i * d + i] = 1
  let diag = 0
  for (let i = 0; i < d; i++) diag += c[i * d + i]! ** 2
  for (let sweep = 0; sweep < 20; sweep++) {
    let off = 0
    for (let p = 0; p < d; p++) for (let q = p + 1; q < d; q++) off += c[p * d + q]! ** 2
    if (off <= 1e-20 * diag) break
    for (let p = 0; p < d; p++) {
      for (let q = p + 1; q < d; q++) {
        const apq = c[p * d + q]!
        if (apq === 0) continue
        const theta = (c[q * d + q]! - c[p * d + p]!) / (2 * apq)
        const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1))
        const cs = 1 / Math.sqrt(t * t + 1)
        const sn = t * cs
        for (let r = 0; r < d; r++) {
          const x = c[r * d + p]!
          const y = c[r * d + q]!
          c[r * d + p] = cs * x - sn * y
          c[r * d + q] = sn * x + cs * y
        }
        for (let r = 0; r < d; r++) {
          const x = c[p * d + r]!
          const y = c[q * d + r]!
          c[p * d + r] = cs * x - sn * y
          c[q * d + r] = sn * x + cs * y
        }
        for (let r = 0; r < d; r++) {
          const x = v[r * d + p]!
          const y = v[r * d + q]!
          v[r * d + p] = cs * x - sn * y
          v[r * d + q] = sn * x + cs * y
        }
      }
    }
  }
  const order = Array.from({ length: d }, (_, i) => i).sort((a, b) => c[b * d + b]! - c[a * d + a]!)
  const out = new Float32Array(d * d) // [d, d], column j = axis j
  for (let r = 0; r < d; r++) for (let j = 0; j < d; j++) out[r * d + j] = v[r * d + order[j]!]!
  return out
}

/**
 * Greedy k-center on rows [count, d] from a given first index (exposed for tests).
 * Exact (the same picks as the textbook loop), accelerated the way Gonzalez's algorithm
 * usually is: rows are kept in clusters by their nearest chosen centre, with each
 * cluster's largest distance r. A new centre c can only take rows of cluster j when
 * ||c_j − c|| < 2r (triangle inequality), so most clusters are skipped after a few
 * coordinates of ||c_j − c||, and within a scanned cluster a row at distance r_i is skipped
 * when ||c_j − c|| ≥ 2·r_i. All distances here are squared, hence the factors 4.
 */
export function greedyKCenter(z: Float32Array, count: number, d: number, k: number, first: number): Int32Array {
  const chosen = new Int32Array(k)
  const taken = new Uint8Array(count)
  // minDist[i] = squared distance of row i to the centre of its cluster.
  const minDist = new Float64Array(count)
  // Clusters as linked lists: head[j] = first row of cluster j, nextRow[i] = the row after i.
  const head = new Int32Array(k).fill(-1)
  const nextRow = new Int32Array(count).fill(-1)
  const radius = new Float64Array(k).fill(-1) // largest minDist in cluster j (exact)
  const far = new Int32Array(k).fill(-1) // the row with that distance

  /** Squared distance of rows a and b, stopping early once it reaches `limit`. */
  const dist = (a: number, b: number, limit: number): number => {
    const ra = a * d
    const rb = b * d
    let s = 0
    let t = 0
    let block = 4
    // Growing blocks (4, 8, 16, ...): the leading coordinates carry most of the variance.
    while (t < d) {
      const end = Math.min(d, t + block)
      for (; t < end; t++) {
        const v = z[ra + t]! - z[rb + t]!
        s += v * v
      }
      if (s >= limit) return s
      block *= 2
    }
    return s
  }

  chosen[0] = first
  taken[first] = 1
  for (let i = count - 1; i >= 0; i--) {
    const m = dist(i, first, Infinity)
    minDist[i] = m
    nextRow[i] = head[0]!
    head[0] = i
  }
  for (let step = 0; step < k; step++) {
    if (step > 0) {
      const c = chosen[step]!
      let newHead = -1
      let newRadius = -1
      let newFar = -1
      for (let j = 0; j < step; j++) {
        if (radius[j]! <= 0) continue
        const cc = dist(chosen[j]!, c, 4 * radius[j]!)
        if (cc >= 4 * radius[j]!) continue // no row of cluster j can be nearer to c
        let prev = -1
        let i = head[j]!
        let r = -1
        let fr = -1
        while (i !== -1) {
          const after = nextRow[i]!
          const md = minDist[i]!
          let moved = false
          if (md > 0 && cc < 4 * md) {
            const nd = dist(i, c, md)
            if (nd < md) {
              minDist[i] = nd
              moved = true
              if (prev === -1) head[j] = after
              else nextRow[prev] = after
              nextRow[i] = newHead
              newHead = i
              if (nd > newRadius || (nd === newRadius && i < newFar)) {
                newRadius = nd
                newFar = i
              }
            }
          }
          if (!moved) {
            prev = i
            if (md > r || (md === r && i < fr)) {
              r = md
              fr = i
            }
          }
          i = after
        }
        radius[j] = r
        far[j] = fr
      }
      head[step] = newHead
      radius[step] = newRadius
      far[step] = newFar
    } else {
      let r = -1
      let fr = -1
      for (let i = 0; i < count; i++) {
        if (minDist[i]! > r) {
          r = minDist[i]!
          fr = i
        }
      }
      radius[0] = r
      far[0] = fr
    }
    if (step + 1 === k) break
    // Next centre: the farthest row of all (lowest index among equals, as the textbook loop).
    let best = 0
    let bestRow = -1
    for (let j = 0; j <= step; j++) {
      const r = radius[j]!
      if (r > best || (r === best && r > 0 && far[j]! < bestRow)) {
        best = r
        bestRow = far[j]!
      }
    }
    // Only exact duplicates of chosen rows are left: take the next unchosen row.
    const next = bestRow >= 0 ? bestRow : taken.indexOf(0)
    chosen[step + 1] = next
    taken[next] = 1
  }
  return chosen
}
