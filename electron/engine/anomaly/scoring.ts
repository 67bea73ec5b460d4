import type { MemoryBank } from './knn'
import { kNearestOf } from './knn'
import { resizeBilinear } from './patch-features'

/**
 * From patch scores to what a person sees: the image score (PatchCore: the largest patch
 * score, optionally reweighted) and the anomaly map (patch scores resized to the input
 * and smoothed with a Gaussian of sigma 4, Roth et al. 2022 section 3.3 / anomalib).
 */

/** anomalib's GaussianBlur2d kernel: size 2·⌊4σ + 0.5⌋ + 1, normalised to sum 1. */
export function gaussianKernel1d(sigma: number): Float32Array {
  const radius = Math.floor(4 * sigma + 0.5)
  const k = new Float32Array(2 * radius + 1)
  let sum = 0
  for (let i = -radius; i <= radius; i++) {
    const v = Math.exp(-(i * i) / (2 * sigma * sigma))
    k[i + radius] = v
    sum += v
  }
  for (let i = 0; i < k.length; i++) k[i]! /= sum
  return k
}

/** Image score = max patch score of one image's patches [h·w]. */
export function imageScore(patchScores: Float32Array): { score: number; index: number } {
  let score = -Infinity
  let index = 0
  for (let i = 0; i < patchScores.length; i++) {
    if (patchScores[i]! > score) {
      score = patchScores[i]!
      index = i
    }
  }
  return { score, index }
}

/**
 * PatchCore's reweighted image score (eq. 7): s = (1 − exp‖m − m*‖ / Σ_{n ∈ N_b(m*)} exp‖m − n‖) · s*,
 * where m is the most anomalous test patch, m* its nearest bank row and N_b(m*) the b
 * nearest bank rows of m* (m* included). When m* lies in a dense part of the bank the
 * weight is about 1 − 1/b; when m* is itself far from the rest of the bank (the test
 * patch only matched a rare feature) the weight nears 1, so such images score relatively
 * higher. Optional: the stored models use the plain maximum (reweighting needs the bank
 * at scoring time; it is not part of the ONNX graph).
 * `patch` is the test patch's embedding [D]; `nearest` its nearest bank row.
 */
export function reweightedScore(bank: MemoryBank, patch: Float32Array, nearest: number, maxScore: number, neighbours = 9): number {
  const anchor = bank.data.subarray(nearest * bank.dim, (nearest + 1) * bank.dim)
  const { indices } = kNearestOf(bank, anchor, neighbours)
  // Distances from the test patch to m*'s neighbourhood; subtract the largest before exp for stability.
  const dists = indices.map((i) => {
    let s = 0
    for (let j = 0; j < bank.dim; j++) {
      const t = patch[j]! - bank.data[i * bank.dim + j]!
      s += t * t
    }
    return Math.sqrt(s)
  })
  const top = Math.max(...dists, maxScore)
  const denom = dists.reduce((a, d) => a + Math.exp(d - top), 0)
  const weight = 1 - Math.exp(maxScore - top) / denom
  return weight * maxScore
}

/** Mirror an index into [0, n) the way numpy/ONNX 'reflect' padding does (edge not repeated). */
function reflect(i: number, n: number): number {
  if (n === 1) return 0
  while (i < 0 || i >= n) i = i < 0 ? -i : 2 * (n - 1) - i
  return i
}

/** Separable Gaussian blur of one [H, W] plane with reflect padding. */
export function gaussianBlur(plane: Float32Array, height: number, width: number, sigma: number): Float32Array {
  const k = gaussianKernel1d(sigma)
  const r = (k.length - 1) / 2
  const tmp = new Float32Array(plane.length) // [H, W]
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let s = 0
      for (let t = -r; t <= r; t++) s += k[t + r]! * plane[y * width + reflect(x + t, width)]!
      tmp[y * width + x] = s
    }
  }
  const out = new Float32Array(plane.length) // [H, W]
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let s = 0
      for (let t = -r; t <= r; t++) s += k[t + r]! * tmp[reflect(y + t, height) * width + x]!
      out[y * width + x] = s
    }
  }
  return out
}

/**
 * Anomaly map [outH, outW] from one image's patch scores [h, w]: bilinear resize, then a
 * Gaussian blur (sigma in output pixels; PatchCore uses 4 at the network's input size).
 */
export function anomalyMap(patchScores: Float32Array, h: number, w: number, outH: number, outW: number, sigma = 4): Float32Array {
  return gaussianBlur(resizeBilinear(patchScores, 1, h, w, outH, outW), outH, outW, sigma)
}
