import type { InspectionScores, NoVerdictReason, Verdict } from '../../../shared/contract/inspection'

/**
 * PASS / FAIL / NO_VERDICT from model outputs (docs/decisions.md, Verdicts are fail-safe):
 * - classifier: reject when the good class's probability is below the threshold t;
 * - anomaly: reject when the anomaly score reaches its threshold;
 * - both active: FAIL when either says defect;
 * - neither active, or an engine failure: NO_VERDICT, which the line treats as a reject.
 */

/** What a classifier said about one image, with the threshold in force. */
export interface ClassifierOutcome {
  classes: string[]
  /** Index of the good class in `classes`. */
  goodIndex: number
  /** probabilities: [C] softmax, same order as `classes` (the model's fc rows). */
  probabilities: number[]
  /** Reject when probabilities[goodIndex] < threshold. */
  threshold: number
}

/** What an anomaly model said about one image. */
export interface AnomalyOutcome {
  score: number
  /** Reject when score >= threshold. */
  threshold: number
}

export interface VerdictDecision {
  verdict: Verdict
  /** The class shown to the operator: the good class on PASS, the likeliest defect on FAIL. */
  className: string | null
  /** Probability of `className` (classifier) or the anomaly score (anomaly only). */
  confidence: number | null
  scores: InspectionScores
  /** Why there is no verdict (only for NO_VERDICT). */
  reason?: NoVerdictReason
}

export class InvalidScoresError extends Error {
  constructor(detail: string) {
    super(`The model returned unusable scores (${detail}). Re-export or retrain the model, then inspect again.`)
    this.name = 'InvalidScoresError'
  }
}

export function decideVerdict(input: { classifier?: ClassifierOutcome | null; anomaly?: AnomalyOutcome | null }): VerdictDecision {
  const { classifier, anomaly } = input
  if (!classifier && !anomaly) return noVerdict('no-model')

  const scores: InspectionScores = {}
  let classifierRejects = false
  let className: string | null = null
  let confidence: number | null = null

  if (classifier) {
    checkClassifier(classifier)
    classifier.classes.forEach((name, i) => (scores[name] = classifier.probabilities[i]!))
    const pGood = classifier.probabilities[classifier.goodIndex]!
    classifierRejects = pGood < classifier.threshold
    if (classifierRejects) {
      // The good class may still be the most probable (t > 0.5): name the likeliest defect.
      const defect = argmaxExcept(classifier.probabilities, classifier.goodIndex)
      className = defect >= 0 ? classifier.classes[defect]! : classifier.classes[classifier.goodIndex]!
      confidence = defect >= 0 ? classifier.probabilities[defect]! : 1 - pGood
    } else {
      className = classifier.classes[classifier.goodIndex]!
      confidence = pGood
    }
  }

  let anomalyRejects = false
  if (anomaly) {
    if (!Number.isFinite(anomaly.score)) throw new InvalidScoresError(`anomaly score ${anomaly.score}`)
    scores.anomaly = anomaly.score
    anomalyRejects = anomaly.score >= anomaly.threshold
    if (!classifier) {
      className = anomalyRejects ? 'anomaly' : 'good'
      confidence = anomaly.score
    } else if (anomalyRejects && !classifierRejects) {
      className = 'anomaly'
      confidence = anomaly.score
    }
  }

  return { verdict: classifierRejects || anomalyRejects ? 'FAIL' : 'PASS', className, confidence, scores }
}

export function noVerdict(reason: NoVerdictReason): VerdictDecision {
  return { verdict: 'NO_VERDICT', className: null, confidence: null, scores: {}, reason }
}

/** NO_VERDICT counts as a reject on the line: never a PASS. */
export function isReject(verdict: Verdict): boolean {
  return verdict !== 'PASS'
}

/** The threshold in force: the project's override wins over the model version's own. */
export function effectiveThreshold(modelThreshold: number | null | undefined, projectOverride: number | null | undefined): number {
  if (projectOverride !== null && projectOverride !== undefined) return projectOverride
  if (modelThreshold !== null && modelThreshold !== undefined) return modelThreshold
  return 0.5
}

function checkClassifier(c: ClassifierOutcome): void {
  if (c.probabilities.length !== c.classes.length) {
    throw new InvalidScoresError(`${c.probabilities.length} probabilities for ${c.classes.length} classes`)
  }
  if (c.goodIndex < 0 || c.goodIndex >= c.classes.length) throw new InvalidScoresError(`no good class among ${c.classes.join(', ')}`)
  for (const p of c.probabilities) if (!Number.isFinite(p)) throw new InvalidScoresError(`probability ${p}`)
}

function argmaxExcept(values: number[], skip: number): number {
  let best = -1
  for (let i = 0; i < values.length; i++) {
    if (i === skip) continue
    if (best < 0 || values[i]! > values[best]!) best = i
  }
  return best
}
