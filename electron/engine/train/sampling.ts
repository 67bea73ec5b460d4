import { createRng, epochPermutation, hashSeed } from './rng'

/**
 * Which images an epoch shows, and in what order.
 *
 * 'shuffle' shows every training image once per epoch in a (seed, epoch) order.
 * 'balanced' draws the same number of images (one epoch = as many draws as there are
 * images) with every class equally likely, cycling through each class's images in its own
 * shuffled order, so a defect class with 12 images is seen ~N/C times an epoch instead of
 * 12 times. This replaces loss weights on heavily imbalanced sets: with weights 30× on a
 * handful of images the loss of a batch jumps with whichever rare images it holds, and an
 * optimiser that adapts its steps (AdamW) is thrown around by it; balanced batches keep
 * every batch's loss on the same scale (issue 14).
 *
 * A draw is identified by `draw = occurrence · N + index` (occurrence = how many times the
 * image was drawn before in this epoch), so each repeat gets its own augmentation stream
 * while 'shuffle' keeps draw = index (occurrence 0) and the streams it always had.
 */
export type SamplingMode = 'shuffle' | 'balanced'

/** Dataset index of a draw id. */
export function drawIndex(draw: number, n: number): number {
  return draw % n
}

/** The epoch's draw ids, in order; 'balanced' makes `count` draws (default: one per image). */
export function epochDraws(labels: ArrayLike<number>, mode: SamplingMode, seed: number, epoch: number, count = labels.length): number[] {
  const n = labels.length
  if (mode === 'shuffle') return epochPermutation(n, seed, epoch)
  const byClass = new Map<number, number[]>()
  for (let i = 0; i < n; i++) {
    const list = byClass.get(labels[i]!) ?? []
    list.push(i)
    byClass.set(labels[i]!, list)
  }
  const classes = [...byClass.keys()].sort((a, b) => a - b)
  const rng = createRng(hashSeed(seed, epoch, 0xba1a))
  // Each class's images in a shuffled order; the cursor wraps (and reshuffles) when used up.
  const orders = classes.map((k, ci) => shuffled(byClass.get(k)!, createRng(hashSeed(seed, epoch, 0xc1a55, ci))))
  const cursors = classes.map(() => 0)
  const seen = new Map<number, number>()
  const draws: number[] = []
  for (let d = 0; d < count; d++) {
    const ci = rng.int(classes.length)
    const order = orders[ci]!
    const index = order[cursors[ci]! % order.length]!
    cursors[ci]!++
    const occurrence = seen.get(index) ?? 0
    seen.set(index, occurrence + 1)
    draws.push(occurrence * n + index)
  }
  return draws
}

function shuffled(values: number[], rng: { int(n: number): number }): number[] {
  const out = [...values]
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(i + 1)
    const t = out[i]!
    out[i] = out[j]!
    out[j] = t
  }
  return out
}
