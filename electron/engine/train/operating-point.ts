/**
 * The classifier's operating point: the good-class probability below which a part is
 * rejected (inspection's rule, services/inspection/verdict.ts: FAIL when pGood < t), chosen
 * on the validation images for a target rate, as the anomaly model's threshold is chosen for
 * a target false-reject rate (engine/anomaly/threshold.ts).
 *
 * - 'missed-defect-rate' r: at most ⌊r·D⌋ of the D defect images may pass; of the
 *   thresholds that allow that, the lowest (fewest good parts rejected).
 * - 'false-reject-rate' r: at most ⌊r·G⌋ of the G good images may be rejected; of those
 *   thresholds, the highest (fewest defects passed).
 *
 * Counts are on the validation images themselves (they are what the user can check on the
 * Label screen); with few defect images a rate of 1 % means "none of them", and the counts
 * are shown next to the rate so that is visible. Every threshold lies midway between two
 * observed probabilities, so `<` and `≤` decide every validation image alike. Without defect
 * (or good) images there is nothing to choose from: the argmax-like 0.5 stays, with a note.
 */

import type { OperatingPointDto, OperatingPointRequest } from '../../../shared/contract/training'

/** The request is the contract's (`training:start`'s `operatingPoint`, with its limits). */
export type { OperatingPointRequest }
export type OperatingTarget = OperatingPointRequest['target']

/** Default: at most 1 % of defects passed (on the line a missed defect costs most). */
export const DEFAULT_OPERATING_POINT: OperatingPointRequest = { target: 'missed-defect-rate', rate: 0.01 }

/** The threshold used when no operating point can be chosen (verdict.ts effectiveThreshold's default). */
export const FALLBACK_THRESHOLD = 0.5

/** The chosen operating point with its validation counts: the contract's shape, stored as metrics.operatingPoint. */
export type OperatingPoint = OperatingPointDto

export class OperatingPointError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'OperatingPointError'
  }
}

export function checkOperatingPointRequest(req: OperatingPointRequest): void {
  if (req.target !== 'missed-defect-rate' && req.target !== 'false-reject-rate') {
    throw new OperatingPointError(`The operating-point target must be 'missed-defect-rate' or 'false-reject-rate', got '${String(req.target)}'.`)
  }
  if (!(req.rate >= 0 && req.rate < 1)) throw new OperatingPointError(`The target ${req.target} must be between 0 and 1 (e.g. 0.01 for 1 %), got ${req.rate}.`)
}

/** Softmax probability of the good class per row. logits: [N, C]. */
export function goodProbabilities(logits: Float32Array, numClasses: number, goodClass: number): Float64Array {
  const n = logits.length / numClasses
  const out = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    let max = -Infinity
    for (let k = 0; k < numClasses; k++) max = Math.max(max, logits[i * numClasses + k]!)
    let sum = 0
    for (let k = 0; k < numClasses; k++) sum += Math.exp(logits[i * numClasses + k]! - max)
    out[i] = Math.exp(logits[i * numClasses + goodClass]! - max) / sum
  }
  return out
}

/** Counts at a threshold (reject when pGood < t). */
function countsAt(pGood: ArrayLike<number>, isGood: ArrayLike<boolean>, t: number): { falseRejects: number; missedDefects: number } {
  let falseRejects = 0
  let missedDefects = 0
  for (let i = 0; i < pGood.length; i++) {
    const passes = pGood[i]! >= t
    if (isGood[i] && !passes) falseRejects++
    if (!isGood[i] && passes) missedDefects++
  }
  return { falseRejects, missedDefects }
}

/** Choose the threshold for `req` from validation probabilities of the good class. */
export function chooseOperatingPoint(pGood: ArrayLike<number>, isGood: ArrayLike<boolean>, req: OperatingPointRequest = DEFAULT_OPERATING_POINT): OperatingPoint {
  checkOperatingPointRequest(req)
  if (pGood.length !== isGood.length) throw new OperatingPointError(`${pGood.length} probabilities for ${isGood.length} labels.`)
  const good: number[] = []
  const defect: number[] = []
  for (let i = 0; i < pGood.length; i++) (isGood[i] ? good : defect).push(pGood[i]!)
  const all = Float64Array.from(pGood).sort()
  const base = { ...req, goodImages: good.length, defectImages: defect.length }
  const finish = (threshold: number, allowed: number, chosenOn: OperatingPoint['chosenOn'], note?: string): OperatingPoint => ({
    ...base,
    threshold,
    chosenOn,
    allowed,
    ...countsAt(pGood, isGood, threshold),
    ...(note ? { note } : {})
  })

  if (req.target === 'missed-defect-rate') {
    if (defect.length === 0) return finish(FALLBACK_THRESHOLD, 0, 'default', 'No defect image in the validation split: the missed-defect rate cannot be measured, so the default threshold 0.5 is used.')
    // rate < 1, so allowed < D: at least one defect must be rejected.
    const allowed = Math.floor(req.rate * defect.length + 1e-9)
    // Defects passing = those with pGood ≥ t: t must lie above the (allowed+1)-th highest.
    const sorted = [...defect].sort((a, b) => b - a)
    const limit = sorted[allowed]!
    const above = all.find((v) => v > limit)
    const threshold = above === undefined ? (limit + 1) / 2 : (limit + above) / 2
    return finish(threshold, allowed, 'validation')
  }
  if (good.length === 0) return finish(FALLBACK_THRESHOLD, 0, 'default', 'No good image in the validation split: the false-reject rate cannot be measured, so the default threshold 0.5 is used.')
  const allowed = Math.floor(req.rate * good.length + 1e-9)
  // Good parts rejected = those with pGood < t: t may not exceed the (allowed+1)-th lowest.
  const sorted = [...good].sort((a, b) => a - b)
  const limit = sorted[allowed]!
  let below: number | undefined
  for (const v of all) if (v < limit) below = v
  const threshold = below === undefined ? limit / 2 : (limit + below) / 2
  return finish(threshold, allowed, 'validation')
}

/** One line for the Train/Models screens and the CLI: the rate, its counts and the threshold. */
export function describeOperatingPoint(op: OperatingPoint): string {
  const pct = (x: number): string => `${(x * 100).toFixed(x < 0.1 ? 1 : 0)} %`
  const counts = `${op.missedDefects} of ${op.defectImages} defects passed, ${op.falseRejects} of ${op.goodImages} good parts rejected`
  if (op.chosenOn === 'default') return `Threshold ${op.threshold} (default): ${op.note ?? ''} On validation: ${counts}.`
  const aim = op.target === 'missed-defect-rate' ? `missed defects ≤ ${pct(op.rate)}` : `false rejects ≤ ${pct(op.rate)}`
  return `Reject below ${op.threshold.toPrecision(3)} good-class probability, chosen on validation for ${aim}: ${counts}.`
}
