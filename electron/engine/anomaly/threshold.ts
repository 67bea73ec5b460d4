/**
 * Pass/fail thresholds for anomaly scores. An image FAILs when its score is ≥ the threshold
 * (inspection's rule, services/inspection/verdict.ts). Every threshold chosen here lies
 * midway between two observed scores, so `>` and `≥` decide every observed image alike.
 *
 * The main path needs no defect images: the threshold is an order statistic of scores of
 * held-out good images chosen for the false-reject rate (FRR) the user asks for. For a
 * fresh good image and the k-th smallest of n calibration scores, P(score > x₍ₖ₎) has
 * expectation (n + 1 − k)/(n + 1) whatever the score distribution (order statistics of
 * exchangeable samples), so k = ⌈(n + 1)(1 − r)⌉ gives an expected FRR of at most r. When
 * n is too small for r (k > n) no order statistic can promise r: the threshold then
 * extrapolates a normal tail fitted to the scores (never below the highest good score)
 * and a warning says how many images the rate needs. F1-chosen thresholds, which reject
 * all good images when no defect images exist, are only offered when defects are labelled.
 */

export interface Calibration {
  threshold: number
  targetFrr: number
  /** Good calibration images used. */
  calibrationImages: number
  /** Fraction of calibration images scoring above the threshold. */
  calibrationFrr: number
  /** Expected FRR on fresh good images for the order statistic used (≤ target unless warned). */
  expectedFrr: number
  /** Clopper–Pearson 95 % upper bound of the FRR, from the calibration rejections. */
  frrUpperBound95: number
  /** Good images the target needs for a distribution-free threshold: ⌈1/r − 1⌉. */
  minimumImages: number
  method: 'order-statistic' | 'normal-tail'
  /** For 'order-statistic': the threshold lies just above the k-th smallest calibration score (1-based). */
  rank?: number
  warning?: string
}

export class CalibrationError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'CalibrationError'
  }
}

/** Threshold for a target false-reject rate from good images' scores only. */
export function calibrateThreshold(goodScores: ArrayLike<number>, targetFrr: number): Calibration {
  if (!(targetFrr > 0 && targetFrr < 1)) throw new CalibrationError(`Target false-reject rate must be between 0 and 1 (e.g. 0.005 for 0.5 %), got ${targetFrr}.`)
  const sorted = Float64Array.from(goodScores).sort()
  const n = sorted.length
  if (n === 0) throw new CalibrationError('No good images were held out for calibration; label more images as good (at least 10) and train again.')
  const minimumImages = Math.ceil(1 / targetFrr - 1 - 1e-9)
  const k = Math.ceil((n + 1) * (1 - targetFrr) - 1e-9)
  let threshold: number
  let method: Calibration['method'] = 'order-statistic'
  let warning: string | undefined
  let expectedFrr: number
  if (k <= n) {
    // Midway to the next higher score (for the top score: half the last gap above it).
    const above = k < n ? sorted[k]! : sorted[n - 1]! + (n > 1 ? (sorted[n - 1]! - sorted[n - 2]!) / 2 : Math.abs(sorted[n - 1]!) * 1e-3 + 1e-9)
    threshold = (sorted[k - 1]! + above) / 2
    expectedFrr = (n + 1 - k) / (n + 1)
  } else {
    method = 'normal-tail'
    const mean = sorted.reduce((a, b) => a + b, 0) / n
    const sd = n > 1 ? Math.sqrt(sorted.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0
    const top = sorted[n - 1]!
    threshold = Math.max(top + (Math.abs(top) * 1e-3 + 1e-9), mean + normalQuantile(1 - targetFrr) * sd)
    expectedFrr = 1 / (n + 1)
    warning =
      `Only ${n} good image${n === 1 ? '' : 's'} held out for calibration; a false-reject rate of ${formatPercent(targetFrr)} ` +
      `needs at least ${minimumImages}. The threshold extrapolates the good scores and the rate cannot be checked: ` +
      'label more good images, or choose a higher target rate.'
  }
  const rejected = countAbove(sorted, threshold)
  return {
    threshold,
    targetFrr,
    calibrationImages: n,
    calibrationFrr: rejected / n,
    expectedFrr,
    frrUpperBound95: clopperPearson(rejected, n, 0.95).upper,
    minimumImages,
    method,
    ...(method === 'order-statistic' ? { rank: k } : {}),
    ...(warning ? { warning } : {})
  }
}

function countAbove(sorted: Float64Array, t: number): number {
  let c = 0
  for (let i = sorted.length - 1; i >= 0 && sorted[i]! >= t; i--) c++
  return c
}

function formatPercent(r: number): string {
  return `${Number((r * 100).toPrecision(3))} %`
}

/**
 * Central 95 % (or `confidence`) acceptance region of a Binomial(m, p) count: an observed
 * count outside [low, high] has probability ≤ (1 − confidence)/2 on either side.
 */
export function binomialAcceptance(m: number, p: number, confidence = 0.95): { low: number; high: number } {
  const tail = (1 - confidence) / 2
  let low = 0
  while (low < m && binomialCdf(low, m, p) <= tail) low++
  let high = m
  while (high > 0 && 1 - binomialCdf(high - 1, m, p) <= tail) high--
  return { low, high }
}

/** True when `rejects` out of `m` fresh good images is within the binomial 95 % bound of the target rate. */
export function frrWithinBound(rejects: number, m: number, targetFrr: number, confidence = 0.95): boolean {
  const { low, high } = binomialAcceptance(m, targetFrr, confidence)
  return rejects >= low && rejects <= high
}

/**
 * 95 % acceptance region for the number of rejects among `m` fresh good images under a
 * calibrated threshold. Two sources of chance add up: which fresh images come (binomial)
 * and which good images happened to calibrate the threshold. For the order statistic
 * x₍ₖ₎ of n the true FRR is exactly Beta(n + 1 − k, k) distributed (distribution-free), so
 * the count is Beta-binomial; as n grows this narrows to the binomial region of the target.
 * Falls back to the binomial region of the target for extrapolated thresholds.
 */
export function freshFrrAcceptance(m: number, calibration: Calibration, confidence = 0.95): { low: number; high: number } {
  if (calibration.method !== 'order-statistic' || calibration.rank === undefined) return binomialAcceptance(m, calibration.targetFrr, confidence)
  const a = calibration.calibrationImages + 1 - calibration.rank
  const b = calibration.rank
  const tail = (1 - confidence) / 2
  const lbeta = (x: number, y: number): number => logGamma(x) + logGamma(y) - logGamma(x + y)
  const pmf = (x: number): number => Math.exp(logGamma(m + 1) - logGamma(x + 1) - logGamma(m - x + 1) + lbeta(x + a, m - x + b) - lbeta(a, b))
  const cdf: number[] = []
  let acc = 0
  for (let x = 0; x <= m; x++) cdf.push((acc += pmf(x)))
  let low = 0
  while (low < m && cdf[low]! <= tail) low++
  let high = m
  while (high > 0 && 1 - cdf[high - 1]! <= tail) high--
  return { low, high }
}

/** Clopper–Pearson (exact) confidence interval for a binomial proportion k/n. */
export function clopperPearson(k: number, n: number, confidence = 0.95): { lower: number; upper: number } {
  const a = (1 - confidence) / 2
  // upper: largest p with P(X ≤ k | p) ≥ a; lower: smallest p with P(X ≥ k | p) ≥ a.
  const upper = k >= n ? 1 : bisect((p) => binomialCdf(k, n, p) - a)
  const lower = k <= 0 ? 0 : bisect((p) => a - (1 - binomialCdf(k - 1, n, p)))
  return { lower, upper }
}

/** Root of a function decreasing in p on (0, 1). */
function bisect(f: (p: number) => number): number {
  let lo = 0
  let hi = 1
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2
    if (f(mid) > 0) lo = mid
    else hi = mid
  }
  return (lo + hi) / 2
}

/** P(X ≤ k) for X ~ Binomial(n, p), summed in log space (n up to millions). */
export function binomialCdf(k: number, n: number, p: number): number {
  if (k < 0) return 0
  if (k >= n) return 1
  if (p <= 0) return 1
  if (p >= 1) return 0
  const lp = Math.log(p)
  const lq = Math.log1p(-p)
  const lnf = logGamma(n + 1)
  let sum = 0
  for (let i = 0; i <= k; i++) sum += Math.exp(lnf - logGamma(i + 1) - logGamma(n - i + 1) + i * lp + (n - i) * lq)
  return Math.min(1, sum)
}

/** Lanczos approximation (g = 7, n = 9), accurate to ~1e-15 relative. */
export function logGamma(x: number): number {
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7]
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x)
  x -= 1
  let a = c[0]!
  const t = x + 7.5
  for (let i = 1; i < 9; i++) a += c[i]! / (x + i)
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a)
}

/** Inverse standard normal CDF (Acklam's rational approximation, |error| < 1.2e-9). */
export function normalQuantile(p: number): number {
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239]
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572]
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783]
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416]
  const lowP = 0.02425
  if (p < lowP) {
    const q = Math.sqrt(-2 * Math.log(p))
    return (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1)
  }
  if (p > 1 - lowP) return -normalQuantile(1 - p)
  const q = p - 0.5
  const r = q * q
  return ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) / (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1)
}

// ---------------------------------------------------------------------------------------
// With defect images: ROC, AUROC, F1-best threshold. Labels: 1 = defect (positive), 0 = good.

/** Area under the ROC curve = P(defect score > good score) + ½ P(tie) (Mann–Whitney U). */
export function auroc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const n = scores.length
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!)
  let positives = 0
  let rankSum = 0
  let i = 0
  while (i < n) {
    let j = i
    while (j + 1 < n && scores[order[j + 1]!] === scores[order[i]!]) j++
    const avgRank = (i + j) / 2 + 1 // ties share the average rank
    for (let t = i; t <= j; t++) {
      if (labels[order[t]!] === 1) {
        positives++
        rankSum += avgRank
      }
    }
    i = j + 1
  }
  const negatives = n - positives
  if (positives === 0 || negatives === 0) return NaN
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives)
}

export interface RocPoint {
  threshold: number
  falsePositiveRate: number
  truePositiveRate: number
}

/**
 * Thresholds from the strictest to the most lenient: for each distinct score s (highest
 * first), the images failing at a threshold just below s (tp defects, fp good ones) and
 * that threshold, midway between s and the next lower score (FAIL = score ≥ threshold).
 */
function thresholdSweep(scores: ArrayLike<number>, labels: ArrayLike<number>): { positives: number; steps: Array<{ threshold: number; tp: number; fp: number }> } {
  const n = scores.length
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]!)
  let positives = 0
  for (let i = 0; i < n; i++) if (labels[i] === 1) positives++
  const steps: Array<{ threshold: number; tp: number; fp: number }> = []
  let tp = 0
  let fp = 0
  let i = 0
  while (i < n) {
    const s = scores[order[i]!]!
    while (i < n && scores[order[i]!] === s) {
      if (labels[order[i]!] === 1) tp++
      else fp++
      i++
    }
    const next = i < n ? scores[order[i]!]! : s - Math.abs(s) * 1e-3 - 1e-9
    steps.push({ threshold: (s + next) / 2, tp, fp })
  }
  return { positives, steps }
}

/**
 * ROC curve, from the strictest threshold to the most lenient, thinned to at most
 * `maxPoints` points for display (the first and last are kept). Each point's threshold
 * lies midway between two adjacent distinct scores (FAIL = score ≥ threshold).
 */
export function rocCurve(scores: ArrayLike<number>, labels: ArrayLike<number>, maxPoints = 200): RocPoint[] {
  const { positives: P, steps } = thresholdSweep(scores, labels)
  const N = scores.length - P
  let top = -Infinity
  for (let i = 0; i < scores.length; i++) top = Math.max(top, scores[i]!)
  if (!Number.isFinite(top)) top = 0
  const points: RocPoint[] = [{ threshold: top + Math.abs(top) * 1e-3 + 1e-9, falsePositiveRate: 0, truePositiveRate: 0 }]
  for (const { threshold, tp, fp } of steps) points.push({ threshold, falsePositiveRate: N ? fp / N : 0, truePositiveRate: P ? tp / P : 0 })
  if (points.length <= maxPoints) return points
  const step = (points.length - 1) / (maxPoints - 1)
  return Array.from({ length: maxPoints }, (_, k) => points[Math.round(k * step)]!)
}

/** Threshold with the best F1 for the defect class (FAIL = score ≥ threshold). Needs both kinds of label. */
export function f1BestThreshold(scores: ArrayLike<number>, labels: ArrayLike<number>): { threshold: number; f1: number; precision: number; recall: number } | undefined {
  const { positives: P, steps } = thresholdSweep(scores, labels)
  if (P === 0 || P === scores.length) return undefined
  let best = { threshold: Infinity, f1: 0, precision: 0, recall: 0 }
  for (const { threshold, tp, fp } of steps) {
    const precision = tp / (tp + fp)
    const recall = tp / P
    const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0
    // The threshold sits midway to the next lower score, so the chosen images fail with margin.
    if (f1 > best.f1) best = { threshold, f1, precision, recall }
  }
  return best
}
