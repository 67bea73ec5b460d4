/**
 * Deterministic random streams for training. Every random decision is drawn from a stream
 * seeded by (seed, epoch, index) (docs/decisions.md, Training runs are reproducible), never from a global generator,
 * so a run resumed from a checkpoint at any epoch sees exactly the numbers an uninterrupted
 * run would: there is no generator state to save beyond the seed itself.
 */

/** A stream of uniform floats in [0, 1). */
export interface Rng {
  next(): number
  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number
  /** Integer in [0, n). */
  int(n: number): number
}

/** splitmix32 finaliser: mixes 32-bit words so nearby seeds give unrelated streams. */
function mix32(x: number): number {
  x = (x + 0x9e3779b9) | 0
  x = Math.imul(x ^ (x >>> 16), 0x21f0aaad)
  x = Math.imul(x ^ (x >>> 15), 0x735a2d97)
  return (x ^ (x >>> 15)) >>> 0
}

/** Hash any number of integers into one 32-bit seed. */
export function hashSeed(...parts: number[]): number {
  let h = 0x811c9dc5
  for (const p of parts) h = mix32(h ^ mix32(Math.trunc(p) >>> 0) ^ mix32(Math.floor(p / 2 ** 32) >>> 0))
  return h
}

/** mulberry32: small, fast, good enough for augmentation and shuffling. */
export function createRng(seed: number): Rng {
  let a = seed >>> 0
  const next = (): number => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  return {
    next,
    uniform: (lo, hi) => lo + (hi - lo) * next(),
    int: (n) => Math.min(n - 1, Math.floor(next() * n))
  }
}

/** The stream for one sample of one epoch (stream kind separates e.g. augment from dropout). */
export function sampleRng(seed: number, epoch: number, index: number, stream = 0): Rng {
  return createRng(hashSeed(seed, epoch, index, stream))
}

/** Fisher–Yates permutation of [0, n) for one epoch, seeded by (seed, epoch). */
export function epochPermutation(n: number, seed: number, epoch: number): number[] {
  const order = Array.from({ length: n }, (_, i) => i)
  const rng = createRng(hashSeed(seed, epoch, 0x5eed))
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1)
    const t = order[i]!
    order[i] = order[j]!
    order[j] = t
  }
  return order
}
