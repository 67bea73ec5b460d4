import type { ClassificationMetrics } from './metrics'

/**
 * The "never worse" gate (docs/decisions.md, Models): a candidate model is activated
 * automatically only when, on the same validation images as the active model,
 *  - its defect recall (defect images not passed as good) is not lower, and
 *  - its accuracy is not lower by more than 0.5 percentage point;
 * and never when its class list differs from the active model's. Without an active model,
 * the first one is activated.
 */

export const ACCURACY_TOLERANCE = 0.005

export interface GateInput {
  candidate: { classes: string[]; metrics: ClassificationMetrics }
  active: { version: number; classes: string[]; metrics: ClassificationMetrics } | null
}

export interface GateDecision {
  activate: boolean
  /** One sentence for the UI and the CLI: why the candidate was (not) activated. */
  reason: string
}

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`

export function gateDecision({ candidate, active }: GateInput): GateDecision {
  if (!active) return { activate: true, reason: 'No active model yet: the new model is activated.' }
  const sameClasses = candidate.classes.length === active.classes.length && candidate.classes.every((c, i) => c === active.classes[i])
  if (!sameClasses) {
    return {
      activate: false,
      reason: `The class list changed (${active.classes.join(', ')} → ${candidate.classes.join(', ')}): activate the new model yourself after checking it.`
    }
  }
  const c = candidate.metrics
  const a = active.metrics
  const cRecall = c.defectRecall ?? 1
  const aRecall = a.defectRecall ?? 1
  // A tiny epsilon keeps equal recalls computed from the same counts "not lower".
  if (cRecall < aRecall - 1e-9) {
    return { activate: false, reason: `Defect recall would drop from ${pct(aRecall)} (v${active.version}) to ${pct(cRecall)}: the active model stays.` }
  }
  if (c.accuracy < a.accuracy - ACCURACY_TOLERANCE - 1e-9) {
    return { activate: false, reason: `Accuracy would drop from ${pct(a.accuracy)} (v${active.version}) to ${pct(c.accuracy)}: the active model stays.` }
  }
  return {
    activate: true,
    reason: `Defect recall ${pct(cRecall)} (was ${pct(aRecall)}) and accuracy ${pct(c.accuracy)} (was ${pct(a.accuracy)}) on the same validation images: the new model is activated.`
  }
}
