import type { PassFailMetricsDto } from '../../../shared/contract/training'
import type { ClassificationMetrics } from './metrics'

/**
 * What a classifier means on the line: a part passes when the good class's softmax
 * probability reaches the threshold (services/inspection/verdict.ts decides the same way),
 * so the missed-defect and false-reject counts here are the ones an operator would see.
 * The always-good baseline is the accuracy of a "model" that passes every part: a version
 * below it is worse than no model at all.
 */

/** The threshold inspection uses for a version that sets none (verdict.ts effectiveThreshold). */
export const DEFAULT_PASS_THRESHOLD = 0.5

/**
 * logits: [N, C]; labels: [N] true class indices. Without a good class nothing can pass or
 * fail: every figure is null or 0.
 */
export function passFailFromLogits(
  logits: Float32Array,
  labels: ArrayLike<number>,
  numClasses: number,
  goodClass: number | null,
  threshold = DEFAULT_PASS_THRESHOLD
): PassFailMetricsDto {
  const n = labels.length
  if (goodClass === null || goodClass < 0 || goodClass >= numClasses) {
    return { missedDefectRate: null, missedDefects: 0, defectImages: 0, falseRejectRate: null, falseRejects: 0, goodImages: 0, baseline: null, threshold: null }
  }
  let goodImages = 0
  let falseRejects = 0
  let defectImages = 0
  let missedDefects = 0
  for (let i = 0; i < n; i++) {
    let max = -Infinity
    for (let k = 0; k < numClasses; k++) max = Math.max(max, logits[i * numClasses + k]!)
    let sum = 0
    for (let k = 0; k < numClasses; k++) sum += Math.exp(logits[i * numClasses + k]! - max)
    const pGood = Math.exp(logits[i * numClasses + goodClass]! - max) / sum
    const passes = pGood >= threshold
    if (labels[i] === goodClass) {
      goodImages++
      if (!passes) falseRejects++
    } else {
      defectImages++
      if (passes) missedDefects++
    }
  }
  return {
    missedDefectRate: defectImages > 0 ? missedDefects / defectImages : null,
    missedDefects,
    defectImages,
    falseRejectRate: goodImages > 0 ? falseRejects / goodImages : null,
    falseRejects,
    goodImages,
    baseline: n > 0 ? goodImages / n : null,
    threshold
  }
}

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`

/**
 * Why a version should not be trusted, one sentence each (shown on the Train screen and in
 * `train --json` / `eval --json` as `warnings`). Empty when nothing is wrong.
 */
export function modelWarnings(metrics: Pick<ClassificationMetrics, 'accuracy' | 'count'>, pf: PassFailMetricsDto, goodClassName: string | null): string[] {
  const warnings: string[] = []
  if (pf.threshold === null || goodClassName === null) {
    warnings.push('No class is marked good, so no part can pass or fail. Mark the good class (Label screen, or defect-studio classes --good NAME), then retrain.')
    return warnings
  }
  if (pf.baseline !== null && metrics.count > 0 && metrics.accuracy < pf.baseline) {
    warnings.push(
      `Accuracy ${pct(metrics.accuracy)} is below the ${pct(pf.baseline)} of always answering "${goodClassName}": this model is worse than no model. Label more defect images or check the labels, then retrain.`
    )
  }
  if (pf.defectImages > 0 && pf.missedDefects === pf.defectImages) {
    warnings.push(`No defect image of the validation set was caught (${pf.missedDefects} of ${pf.defectImages} passed as "${goodClassName}").`)
  }
  if (pf.goodImages > 0 && pf.falseRejects === pf.goodImages) {
    warnings.push(`Every good image of the validation set was rejected (${pf.falseRejects} of ${pf.goodImages}).`)
  }
  return warnings
}
