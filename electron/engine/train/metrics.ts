/**
 * Classification metrics computed from true and predicted class indices. The confusion
 * matrix has true classes as rows and predicted classes as columns (docs/decisions.md, CLI JSON).
 */

export interface PerClassMetrics {
  class: string
  precision: number
  recall: number
  support: number
}

export interface ClassificationMetrics {
  accuracy: number
  perClass: PerClassMetrics[]
  confusion: { labels: string[]; matrix: number[][] }
  /**
   * Share of defect images (any class that is not the good class) not predicted as good:
   * the "defect recall" the never-worse gate compares. Null when there is no good class or
   * no defect image.
   */
  defectRecall: number | null
  /** Mean of the per-class recalls over classes with support (robust to imbalance). */
  balancedAccuracy: number
  count: number
}

/** Confusion matrix [C][C]: rows = true class, columns = predicted class. */
export function confusionMatrix(truth: ArrayLike<number>, predicted: ArrayLike<number>, numClasses: number): number[][] {
  if (truth.length !== predicted.length) throw new Error(`confusionMatrix: ${truth.length} labels but ${predicted.length} predictions`)
  const m = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0))
  for (let i = 0; i < truth.length; i++) {
    const t = truth[i]!
    const p = predicted[i]!
    if (t < 0 || t >= numClasses || p < 0 || p >= numClasses) throw new Error(`confusionMatrix: class index out of range at ${i} (true ${t}, predicted ${p}, ${numClasses} classes)`)
    m[t]![p]!++
  }
  return m
}

/**
 * Accuracy, per-class precision/recall/support and the confusion matrix. A class never
 * predicted has precision 0 (scikit-learn's zero_division=0); a class without support has
 * recall 0 and is left out of the balanced accuracy.
 */
export function classificationMetrics(
  truth: ArrayLike<number>,
  predicted: ArrayLike<number>,
  classNames: string[],
  goodClass: number | null = null
): ClassificationMetrics {
  const c = classNames.length
  const matrix = confusionMatrix(truth, predicted, c)
  let correct = 0
  for (let k = 0; k < c; k++) correct += matrix[k]![k]!
  const count = truth.length
  const perClass: PerClassMetrics[] = classNames.map((name, k) => {
    const support = matrix[k]!.reduce((a, b) => a + b, 0)
    let predictedK = 0
    for (let t = 0; t < c; t++) predictedK += matrix[t]![k]!
    const tp = matrix[k]![k]!
    return { class: name, precision: predictedK > 0 ? tp / predictedK : 0, recall: support > 0 ? tp / support : 0, support }
  })
  const withSupport = perClass.filter((p) => p.support > 0)
  const balancedAccuracy = withSupport.length ? withSupport.reduce((a, p) => a + p.recall, 0) / withSupport.length : 0
  let defectRecall: number | null = null
  if (goodClass !== null && goodClass >= 0 && goodClass < c) {
    let defects = 0
    let caught = 0
    for (let t = 0; t < c; t++) {
      if (t === goodClass) continue
      const row = matrix[t]!
      const total = row.reduce((a, b) => a + b, 0)
      defects += total
      caught += total - row[goodClass]!
    }
    defectRecall = defects > 0 ? caught / defects : null
  }
  return { accuracy: count > 0 ? correct / count : 0, perClass, confusion: { labels: [...classNames], matrix }, defectRecall, balancedAccuracy, count }
}

/** Index of the largest value in each row of logits [N, C]. */
export function argmaxRows(logits: Float32Array, numClasses: number): Int32Array {
  const n = Math.floor(logits.length / numClasses)
  const out = new Int32Array(n)
  for (let i = 0; i < n; i++) {
    let best = 0
    let bestValue = -Infinity
    for (let k = 0; k < numClasses; k++) {
      const v = logits[i * numClasses + k]!
      if (v > bestValue) {
        bestValue = v
        best = k
      }
    }
    out[i] = best
  }
  return out
}
