/**
 * Class weights for the loss. On by default when the most frequent class outnumbers the
 * rarest by more than 3:1 (issue 5 item 3): weight_k = N / (C · n_k), scikit-learn's
 * "balanced" weights, so a balanced set gets all ones.
 */

export const IMBALANCE_THRESHOLD = 3

export function classCounts(labels: ArrayLike<number>, numClasses: number): number[] {
  const counts = new Array<number>(numClasses).fill(0)
  for (let i = 0; i < labels.length; i++) counts[labels[i]!]!++
  return counts
}

/** max/min count over classes present in the training split (Infinity when one is absent). */
export function imbalanceRatio(counts: number[]): number {
  const max = Math.max(...counts)
  const min = Math.min(...counts)
  return min === 0 ? Infinity : max / min
}

/**
 * `mode` 'auto' weights only beyond the threshold. Classes without training images get
 * weight 0 (they cannot be learned; their rows in the loss never fire anyway).
 */
export function classWeights(counts: number[], mode: 'auto' | 'on' | 'off'): { weights: Float32Array; applied: boolean } {
  const c = counts.length
  const total = counts.reduce((a, b) => a + b, 0)
  const applied = mode === 'on' || (mode === 'auto' && imbalanceRatio(counts) > IMBALANCE_THRESHOLD)
  const weights = new Float32Array(c)
  for (let k = 0; k < c; k++) weights[k] = !applied ? 1 : counts[k]! > 0 ? total / (c * counts[k]!) : 0
  return { weights, applied }
}
