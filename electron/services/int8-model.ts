import type { ProjectStore } from '../store/project-store'
import type { Fit } from '../imaging/preprocess'
import { buildResnet18Int8, checkInt8Accuracy, rangesToJson, type Int8AccuracyCheck } from '../engine/infer/int8'
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

export interface Int8Record {
  ranges: Record<string, [number, number]>
  check: Int8AccuracyCheck
  calibrationImages: number
  createdAt: string
}

export class Int8RefusedError extends UserFacingError {
  constructor(readonly check: Int8AccuracyCheck | null, message: string) {
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
  const plane = 3 * set.size * set.size
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
  if (!weightsBytes) throw new Int8RefusedError(null, `Model version ${model.version} has no trained weights (an ONNX-only import); INT8 is built from the weights, so it cannot run in INT8.`)
  const { weights, numClasses, width } = parseResnetWeights(weightsBytes, `model v${model.version}`)
  const size = Number(model.config.size ?? 224)
  const fit: Fit = model.config.fit === 'crop' ? 'crop' : 'whole'
  const data = projectDataset(store)
  const index = new Map(model.classes.map((c, i) => [c.toLowerCase(), i]))
  const relabel = (s: EvalSample): EvalSample | null => {
    const label = index.get(data.classes[s.label]!.toLowerCase())
    return label === undefined ? null : { ...s, label }
  }
  const val = data.val.map(relabel).filter((s): s is EvalSample => s !== null)
  if (val.length === 0) throw new Int8RefusedError(null, `INT8 needs labelled validation images of the model's classes (${model.classes.join(', ')}) to check its accuracy against fp32; this project has none. INT8 is not used.`)
  const calibrationSamples = spread(data.train.length > 0 ? data.train : data.val, INT8_CALIBRATION_IMAGES)
  const calibration = await stack(new PreprocessedSet(calibrationSamples, size, fit))
  const { ranges } = await buildResnet18Int8({ weights, numClasses, width, size, calibration, threads: opts.threads })

  const valSet = new PreprocessedSet(val, size, fit)
  const logitsOf = async (predictor: Predictor): Promise<Float32Array> => {
    const out = new Float32Array(val.length * numClasses)
    const plane = 3 * size * size
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
  const fp32Logits = await logitsOf(await Predictor.create({ weights, numClasses, width, size, provider: 'cpu', threads: opts.threads }))
  const int8Logits = await logitsOf(await Predictor.create({ weights, numClasses, width, size, threads: opts.threads, int8Ranges: ranges }))
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
  if (!out.record.check.accepted) throw new Int8RefusedError(out.record.check, `INT8 refused for model version ${out.version}: ${out.record.check.reason}`)
  store.settings.set(SETTING_INT8, { ...records(store), [String(out.version)]: out.record })
  return out
}

/** Back to fp32 for a version (no-op when it was not INT8). */
export function disableInt8(store: ProjectStore, version: number): void {
  const all = { ...records(store) }
  delete all[String(version)]
  store.settings.set(SETTING_INT8, all)
}
