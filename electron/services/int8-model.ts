import type { ProjectStore } from '../store/project-store'
import type { Int8StateDto } from '../../shared/contract/training'
import type { Fit } from '../imaging/preprocess'
import { buildResnet18Int8, checkInt8Accuracy, rangesToJson, type Int8AccuracyCheck, type Int8Calibration, type Int8Outcome, type Int8RefusalCode } from '../engine/infer/int8'
import { Predictor } from '../engine/infer/predictor'
import { parseResnetWeights } from '../engine/models/weights'
import { PreprocessedSet, type EvalSample } from '../engine/train/evaluate'
import { classifierVersion } from './model-evaluation'
import { projectDataset } from './training-data'
import { UserFacingError } from './errors'

/**
 * INT8 inspection for a classifier version (engine/infer/int8.ts): static QDQ quantisation
 * of our own ResNet18 graph, calibrated on the project's training images, checked against
 * fp32 on the project's validation images. Turned on only when it loses at most half a
 * point of accuracy; otherwise refused with the figures. What is stored per version is the
 * calibration ranges and the check (project setting SETTING_INT8), not a second model: the
 * INT8 graph is rebuilt from the version's weights when inspection loads it.
 */

/** Project setting: model version (as a string key) → its INT8 record. */
export const SETTING_INT8 = 'models.int8'
/** Training images the activation ranges are calibrated on (spread over the split). */
export const INT8_CALIBRATION_IMAGES = 64

/** Project setting: model version → its last check, accepted or refused (what the Models screen shows). */
export const SETTING_INT8_LAST_CHECK = 'models.int8.lastCheck'

export type Int8Record = Int8Calibration

export class Int8RefusedError extends UserFacingError {
  constructor(
    readonly check: Int8AccuracyCheck | null,
    message: string,
    readonly refusal: Int8RefusalCode = 'accuracy'
  ) {
    super('failed', message)
    this.name = 'Int8RefusedError'
  }
}

function records(store: ProjectStore): Record<string, Int8Record> {
  const all = store.settings.get<unknown>(SETTING_INT8, {})
  return all && typeof all === 'object' && !Array.isArray(all) ? (all as Record<string, Int8Record>) : {}
}

/** The stored INT8 record of a version, or null when it runs in fp32. */
export function int8Record(store: ProjectStore, version: number): Int8Record | null {
  const r = records(store)[String(version)]
  return r && r.ranges && typeof r.ranges === 'object' ? r : null
}

/** At most `count` of `items`, spread evenly over them. */
function spread<T>(items: T[], count: number): T[] {
  if (items.length <= count) return items
  return Array.from({ length: count }, (_, i) => items[Math.floor((i * items.length) / count)]!)
}

async function stack(set: PreprocessedSet): Promise<Float32Array> {
  const plane = set.channels * set.size * set.size
  const out = new Float32Array(set.samples.length * plane)
  for (let i = 0; i < set.samples.length; i++) out.set(await set.tensor(i), i * plane)
  return out
}

/**
 * Calibrate and check INT8 for a classifier version (the active one by default). Returns
 * the record whether accepted or not; `check.accepted` says which. Nothing is stored.
 */
export async function quantiseClassifier(store: ProjectStore, opts: { version?: number; threads?: number } = {}): Promise<{ version: number; record: Int8Record }> {
  const model = classifierVersion(store, opts.version)
  const weightsBytes = store.models.weights(model.version)
  if (!weightsBytes) throw new Int8RefusedError(null, `Model version ${model.version} has no trained weights (an ONNX-only import); INT8 is built from the weights, so it cannot run in INT8.`, 'no-weights')
  const { weights, numClasses, width, inputChannels, testTimeFlips } = parseResnetWeights(weightsBytes, `model v${model.version}`)
  const size = Number(model.config.size ?? 224)
  const fit: Fit = model.config.fit === 'crop' ? 'crop' : 'whole'
  const data = projectDataset(store)
  const index = new Map(model.classes.map((c, i) => [c.toLowerCase(), i]))
  const relabel = (s: EvalSample): EvalSample | null => {
    const label = index.get(data.classes[s.label]!.toLowerCase())
    return label === undefined ? null : { ...s, label }
  }
  const val = data.val.map(relabel).filter((s): s is EvalSample => s !== null)
  if (val.length === 0) throw new Int8RefusedError(null, `INT8 needs labelled validation images of the model's classes (${model.classes.join(', ')}) to check its accuracy against fp32; this project has none. INT8 is not used.`, 'no-validation')
  const calibrationSamples = spread(data.train.length > 0 ? data.train : data.val, INT8_CALIBRATION_IMAGES)
  const calibration = await stack(new PreprocessedSet(calibrationSamples, size, fit, inputChannels))
  const { ranges } = await buildResnet18Int8({ weights, numClasses, width, size, calibration, threads: opts.threads })

  const valSet = new PreprocessedSet(val, size, fit, inputChannels)
  const logitsOf = async (predictor: Predictor): Promise<Float32Array> => {
    const out = new Float32Array(val.length * numClasses)
    const plane = inputChannels * size * size
    try {
      for (let start = 0; start < val.length; start += 16) {
        const n = Math.min(16, val.length - start)
        const x = new Float32Array(n * plane)
        for (let j = 0; j < n; j++) x.set(await valSet.tensor(start + j), j * plane)
        out.set((await predictor.runBatch(x, n)).logits, start * numClasses)
      }
    } finally {
      await predictor.release()
    }
    return out
  }
  // Both as inspection runs them: a model saved with test-time flips is compared flipped.
  const fp32Logits = await logitsOf(await Predictor.create({ weights, numClasses, width, size, testTimeFlips, provider: 'cpu', threads: opts.threads }))
  const int8Logits = await logitsOf(await Predictor.create({ weights, numClasses, width, size, testTimeFlips, threads: opts.threads, int8Ranges: ranges }))
  const check = checkInt8Accuracy({ fp32Logits, int8Logits, labels: val.map((s) => s.label), numClasses })
  return { version: model.version, record: { ranges: rangesToJson(ranges), check, calibrationImages: calibrationSamples.length, createdAt: new Date().toISOString() } }
}

/**
 * Turn INT8 inspection on for a version: calibrate, check, and store the record when the
 * check passes. Refused (Int8RefusedError naming the figures, nothing stored) when INT8
 * loses more than half a point. Inspection sessions started afterwards use it.
 */
export async function enableInt8(store: ProjectStore, opts: { version?: number; threads?: number } = {}): Promise<{ version: number; record: Int8Record }> {
  const out = await quantiseClassifier(store, opts)
  if (!out.record.check.accepted) {
    const message = `INT8 refused for model version ${out.version}: ${out.record.check.reason}`
    rememberCheck(store, { version: out.version, record: out.record, refusal: { code: 'accuracy', message } })
    throw new Int8RefusedError(out.record.check, message)
  }
  store.settings.set(SETTING_INT8, { ...records(store), [String(out.version)]: out.record })
  rememberCheck(store, { version: out.version, record: out.record, refusal: null })
  return out
}

/** quantiseClassifier as an outcome instead of a refusal error: what the engine worker returns. */
export async function quantiseOutcome(store: ProjectStore, opts: { version: number; threads?: number }): Promise<Int8Outcome> {
  try {
    const { version, record } = await quantiseClassifier(store, opts)
    const refusal = record.check.accepted ? null : { code: 'accuracy' as const, message: `INT8 refused for model version ${version}: ${record.check.reason}` }
    return { version, record, refusal }
  } catch (error) {
    if (error instanceof Int8RefusedError) return { version: opts.version, record: null, refusal: { code: error.refusal, message: error.message } }
    throw error
  }
}

/** Store an outcome: INT8 on when accepted, off when refused; the check is remembered either way. */
export function applyInt8Outcome(store: ProjectStore, outcome: Int8Outcome): void {
  if (outcome.record && !outcome.refusal) store.settings.set(SETTING_INT8, { ...records(store), [String(outcome.version)]: outcome.record })
  else disableInt8(store, outcome.version)
  rememberCheck(store, outcome)
}

interface LastCheck {
  check: Int8AccuracyCheck | null
  refusal: Int8Outcome['refusal']
  calibrationImages: number | null
  checkedAt: string
}

function lastChecks(store: ProjectStore): Record<string, LastCheck> {
  const all = store.settings.get<unknown>(SETTING_INT8_LAST_CHECK, {})
  return all && typeof all === 'object' && !Array.isArray(all) ? (all as Record<string, LastCheck>) : {}
}

function rememberCheck(store: ProjectStore, outcome: Int8Outcome): void {
  const entry: LastCheck = { check: outcome.record?.check ?? null, refusal: outcome.refusal, calibrationImages: outcome.record?.calibrationImages ?? null, checkedAt: new Date().toISOString() }
  store.settings.set(SETTING_INT8_LAST_CHECK, { ...lastChecks(store), [String(outcome.version)]: entry })
}

/** Whether a version inspects in INT8, and its last check (with the refusal when refused). */
export function int8State(store: ProjectStore, version: number): Int8StateDto {
  const on = int8Record(store, version)
  const last = lastChecks(store)[String(version)] ?? null
  if (on) return { version, int8: true, check: on.check, refusal: null, calibrationImages: on.calibrationImages, checkedAt: last?.checkedAt ?? on.createdAt }
  return { version, int8: false, check: last?.check ?? null, refusal: last?.refusal ?? null, calibrationImages: last?.calibrationImages ?? null, checkedAt: last?.checkedAt ?? null }
}

/** Back to fp32 for a version (no-op when it was not INT8). */
export function disableInt8(store: ProjectStore, version: number): void {
  const all = { ...records(store) }
  delete all[String(version)]
  store.settings.set(SETTING_INT8, all)
}
