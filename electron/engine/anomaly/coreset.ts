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
 * the full features. Cost: count × k × projectionDim multiply-adds, and
 * count × projectionDim floats of memory.
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
  const pDim = opts.projectionDim ?? 128
  const seed = opts.seed ?? 0
  const useProjection = pDim > 0 && pDim < dim
  const d = useProjection ? pDim : dim
  // The random projection P [dim, d] (the paper's), followed by a rotation V [d, d] onto the
  // principal axes of a sample of the projected rows. V is orthogonal, so every distance —
  // and therefore the selection — is exactly that of P alone; but the leading coordinates
  // now carry most of the variance (on ResNet patch features the first 16 of 128 hold
  // > 90 %), so the early exit in greedyKCenter stops after a few coordinates for most rows.
  const p = useProjection ? randomProjection(dim, pDim, seed ^ 0x0c0c) : identity(dim)
  const sample = sampleRows(rows, count, dim, Math.min(count, 20_000), seed)
  const rotation = principalAxes(project(sample, sample.length / dim, dim, p, d), sample.length / dim, d)
  // z: [count, d] float32, the rows the distances are measured on.
  const z = project(rows, count, dim, matMul(p, dim, d, rotation, d), d)
  return greedyKCenter(z, count, d, k, createRng(seed).int(count))
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

/** a [n, m] × b [m, p] -> [n, p]. */
function matMul(a: Float32Array, n: number, m: number, b: Float32Array, p: number): Float32Array {
  return project(a, n, m, b, p)
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
 * Exact, with a triangle-inequality shortcut: a row whose nearest chosen centre c_j is at
 * distance r cannot get closer to the new centre c when ||c_j − c|| ≥ 2r, so it is skipped
 * without touching its d values (Elkan-style pruning). Late in the run almost every row is
 * skipped, which makes the whole run close to count × k cheap checks plus k²·d/2 for the
 * centre-to-centre distances.
 */
export function greedyKCenter(z: Float32Array, count: number, d: number, k: number, first: number): Int32Array {
  const chosen = new Int32Array(k)
  const taken = new Uint8Array(count)
  // minDist[i] = squared distance of row i to its nearest chosen row so far; owner[i] = that row's step.
  const minDist = new Float64Array(count).fill(Infinity)
  const owner = new Int32Array(count)
  // centreDist[j] = squared distance of centre j to the newest centre (this step).
  const centreDist = new Float64Array(k)
  let next = first
  for (let step = 0; step < k; step++) {
    chosen[step] = next
    taken[next] = 1
    const c = next * d
    for (let j = 0; j < step; j++) {
      const o = chosen[j]! * d
      let s = 0
      for (let t = 0; t < d; t++) {
        const v = z[o + t]! - z[c + t]!
        s += v * v
      }
      centreDist[j] = s
    }
    let best = -1
    let bestIndex = -1
    for (let i = 0; i < count; i++) {
      let md = minDist[i]!
      // ||c_j − c||² ≥ 4·r²  ⇔  ||c_j − c|| ≥ 2r: row i cannot move (the first step has no owner).
      if (md > 0 && (step === 0 || centreDist[owner[i]!]! < 4 * md)) {
        const r = i * d
        let s = 0
        let t = 0
        let block = 4
        // Growing blocks (4, 8, 16, ...) with an early exit once the partial sum reaches the
        // current minimum; the leading coordinates carry most of the variance (see above).
        while (t < d) {
          const end = Math.min(d, t + block)
          for (; t < end; t++) {
            const v = z[r + t]! - z[c + t]!
            s += v * v
          }
          if (s >= md) break
          block *= 2
        }
        if (s < md) {
          md = s
          minDist[i] = s
          owner[i] = step
        }
      }
      if (md > best && taken[i] === 0) {
        best = md
        bestIndex = i
      }
    }
    // Only exact duplicates of chosen rows are left: take the next unchosen row.
    next = bestIndex >= 0 ? bestIndex : taken.indexOf(0)
  }
  return chosen
}
