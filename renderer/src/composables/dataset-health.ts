/**
 * What a person should know about a labelled set before training, from per-class counts:
 * imbalance (and what to do about it), classes with no validation or too few images, and
 * a missing good class. Pure, so the Label and Train screens say the same thing. `text` is
 * the English sentence; the fields beside it let a screen say it in the user's language.
 */
export interface HealthClass {
  name: string
  isGood: boolean
  train: number
  val: number
}

export type HealthIssue =
  | { kind: 'no-good-class'; text: string }
  | { kind: 'imbalance'; text: string; ratio: number; most: string; mostCount: number; least: string; leastCount: number; share: number }
  | { kind: 'no-validation'; text: string; classes: string[] }
  | { kind: 'too-few'; text: string; classes: string[] }

/** The trainer's automatic class weighting turns on beyond this ratio (docs/decisions.md, "Models"). */
export const IMBALANCE_RATIO = 3
/** Fewer labelled images than this in a class: too few to learn or to measure it. */
export const FEW_IMAGES = 10

export function datasetHealth(classes: readonly HealthClass[]): HealthIssue[] {
  const issues: HealthIssue[] = []
  if (classes.length === 0) return issues
  if (!classes.some((c) => c.isGood))
    issues.push({ kind: 'no-good-class', text: 'No class is marked good: PASS/FAIL, the baseline and the missed-defect rate need to know which class means a good part. Choose it below.' })
  const total = (c: HealthClass) => c.train + c.val
  const labelled = classes.filter((c) => total(c) > 0)
  if (labelled.length >= 2) {
    const most = labelled.reduce((a, b) => (total(b) > total(a) ? b : a))
    const least = labelled.reduce((a, b) => (total(b) < total(a) ? b : a))
    const ratio = total(most) / total(least)
    if (ratio > IMBALANCE_RATIO)
      issues.push({
        kind: 'imbalance',
        ratio,
        most: most.name,
        mostCount: total(most),
        least: least.name,
        leastCount: total(least),
        share: total(most) / labelled.reduce((s, c) => s + total(c), 0),
        text:
          `The classes are imbalanced: "${most.name}" has ${total(most)} images, "${least.name}" ${total(least)} (${Math.round(ratio)}:1). ` +
          `Label more images of the small classes if you can; keep "Class-weighted loss" on auto (it turns on beyond ${IMBALANCE_RATIO}:1); ` +
          `and judge a model by its balanced accuracy and missed-defect rate, not its accuracy (always answering "${most.name}" already scores ${pct(total(most) / labelled.reduce((s, c) => s + total(c), 0))}).`
      })
  }
  const noVal = labelled.filter((c) => c.val === 0).map((c) => c.name)
  if (noVal.length)
    issues.push({
      kind: 'no-validation',
      classes: noVal,
      text: `${list(noVal)} ${noVal.length === 1 ? 'has' : 'have'} no validation image, so how well the model finds ${noVal.length === 1 ? 'it' : 'them'} cannot be measured. Label more images of ${noVal.length === 1 ? 'it' : 'them'} (new labels are split automatically), or move some to validation.`
    })
  const few = classes.filter((c) => total(c) < FEW_IMAGES).map((c) => c.name)
  if (few.length) issues.push({ kind: 'too-few', classes: few, text: `${list(few)} ${few.length === 1 ? 'has' : 'have'} fewer than ${FEW_IMAGES} labelled images: label more before trusting a model on ${few.length === 1 ? 'it' : 'them'}.` })
  return issues
}

const pct = (v: number) => `${(v * 100).toFixed(1)} %`
const list = (names: string[]) => names.map((n) => `"${n}"`).join(', ')
