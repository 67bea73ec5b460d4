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
  // z: [count, d] float32, the rows the distances are measured on.
  const z = useProjection ? project(rows, count, dim, randomProjection(dim, pDim, seed ^ 0x0c0c), pDim) : rows
  const d = useProjection ? pDim : dim
  return greedyKCenter(z, count, d, k, createRng(seed).int(count))
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
        // Blocks of 16 with an early exit once the partial sum reaches the current minimum.
        while (t < d) {
          const end = Math.min(d, t + 16)
          for (; t < end; t++) {
            const v = z[r + t]! - z[c + t]!
            s += v * v
          }
          if (s >= md) break
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
