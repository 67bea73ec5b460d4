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

/** Plain greedy k-center on rows [count, d] from a given first index (exposed for tests). */
export function greedyKCenter(z: Float32Array, count: number, d: number, k: number, first: number): Int32Array {
  const chosen = new Int32Array(k)
  const taken = new Uint8Array(count)
  // minDist[i] = squared distance of row i to its nearest chosen row so far.
  const minDist = new Float32Array(count).fill(Infinity)
  let next = first
  for (let step = 0; step < k; step++) {
    chosen[step] = next
    taken[next] = 1
    minDist[next] = 0
    const c = next * d
    let best = -1
    let bestIndex = -1
    for (let i = 0; i < count; i++) {
      let md = minDist[i]!
      if (md > 0) {
        const r = i * d
        let s = 0
        let j = 0
        // Blocks of 16 with an early exit: once the partial sum reaches the current
        // minimum the row's distance cannot shrink (most rows stop early late in the run).
        while (j < d) {
          const end = Math.min(d, j + 16)
          for (; j < end; j++) {
            const t = z[r + j]! - z[c + j]!
            s += t * t
          }
          if (s >= md) break
        }
        if (s < md) {
          md = s
          minDist[i] = s
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
