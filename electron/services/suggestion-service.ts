import { runClassifierBatch } from '../engine/infer/classifier-batch'
import { createSession } from '../engine/infer/sessions'
import type { EngineCaller } from '../engine/worker-host'
import { preprocessImage } from '../imaging/preprocess'
import type { ProjectStore } from '../store/project-store'
import type { ModelVersion } from '../store/repositories/models-repo'
import type { NewPrediction } from '../store/repositories/predictions-repo'
import { DEFAULT_SIZE } from './inspection/models-info'

/**
 * Model suggestions: a stored classifier version's predictions over project images, kept in
 * the predictions table so the Label screen can filter by them and the Train screen can show
 * what a version gets wrong. Images are decoded and preprocessed here (sharp works off the
 * event loop); session.run, which blocks its thread, runs in the engine worker in the app
 * (workerClassifierRunner) and in this thread for the CLI and tests (inProcessClassifierRunner).
 */

/** A loaded classifier graph: probabilities for a batch x [n, 3, size, size]. */
export interface ClassifierRunner {
  run(x: Float32Array, n: number, size: number): Promise<{ probabilities: Float32Array; classes: number }>
  release(): Promise<void>
}
export type ClassifierRunnerFactory = (onnx: Uint8Array, opts: { key: string; threads?: number }) => Promise<ClassifierRunner>

export const inProcessClassifierRunner: ClassifierRunnerFactory = async (onnx, opts) => {
  const { session } = await createSession(onnx, { threads: opts.threads })
  return { run: (x, n, size) => runClassifierBatch(session, x, n, size), release: () => session.release() }
}

/** Run the graph in the engine worker thread (the input batch is moved there, not copied). */
export function workerClassifierRunner(host: EngineCaller): ClassifierRunnerFactory {
  return async (onnx, opts) => {
    await host.call('classify:load', { key: opts.key, onnx, threads: opts.threads })
    return {
      run: (input, n, size) => host.call('classify:run', { key: opts.key, input, n, size }, { transfer: [input.buffer as ArrayBuffer] }),
      release: async () => {
        await host.call('classify:unload', { key: opts.key }).catch(() => undefined)
      }
    }
  }
}

export class SuggestionModelError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'SuggestionModelError'
  }
}

export interface PredictOptions {
  /** Images per session.run (default 16). */
  batchSize?: number
  threads?: number
  /** Where session.run happens (default: this thread). */
  runner?: ClassifierRunnerFactory
  /** Called after each batch with how many of `total` are done. */
  onProgress?: (done: number, total: number) => void
}

/** Input size, fit mode and input channels the version was trained with (its config; no inputChannels: RGB, as before the one-channel stem). */
export function inputOf(model: Pick<ModelVersion, 'config'>): { size: number; fit: 'crop' | 'whole'; channels: 1 | 3 } {
  const c = model.config
  const size = [c.size, c.inputSize, c.imageSize].find((v): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0) ?? DEFAULT_SIZE
  return { size, fit: c.fit === 'crop' ? 'crop' : 'whole', channels: c.inputChannels === 1 ? 1 : 3 }
}

/**
 * Predict `imageIds` with classifier `version`, skipping images it already predicted, and
 * store the results. Returns how many were newly predicted. Images that cannot be decoded
 * are skipped (listed in `failed`), the rest carry on.
 */
export async function computePredictions(
  store: ProjectStore,
  version: number,
  imageIds: number[],
  opts: PredictOptions = {}
): Promise<{ predicted: number; failed: Array<{ imageId: number; reason: string }> }> {
  const model = store.models.get(version)
  if (model.kind !== 'classifier') throw new SuggestionModelError(`Model version ${version} is an ${model.kind} model; suggestions need a classifier version.`)
  const todo = store.predictions.missing(version, imageIds)
  const failed: Array<{ imageId: number; reason: string }> = []
  if (todo.length === 0) return { predicted: 0, failed }
  const { size, fit, channels } = inputOf(model)
  const runner = await (opts.runner ?? inProcessClassifierRunner)(store.models.onnx(version), { key: `suggest:${version}`, threads: opts.threads })
  const batchSize = Math.max(1, opts.batchSize ?? 16)
  let batched = true
  let predicted = 0
  try {
    for (let start = 0; start < todo.length; start += batchSize) {
      const ids = todo.slice(start, start + batchSize)
      const inputs: Array<{ imageId: number; tensor: Float32Array }> = []
      for (const imageId of ids) {
        try {
          const { tensor } = await preprocessImage(store.images.bytes(imageId).bytes, { size, fit, channels })
          inputs.push({ imageId, tensor })
        } catch (error) {
          failed.push({ imageId, reason: error instanceof Error ? error.message : String(error) })
        }
      }
      let probs: number[][]
      try {
        probs = batched ? await runBatch(runner, inputs.map((i) => i.tensor), size) : await runOneByOne(runner, inputs, size)
      } catch (error) {
        // A model exported with a fixed batch of 1 refuses [N>1, …]: go one at a time.
        if (!batched || inputs.length <= 1) throw error
        batched = false
        probs = await runOneByOne(runner, inputs, size)
      }
      const rows: NewPrediction[] = inputs.map((input, i) => toPrediction(input.imageId, version, model.classes, probs[i]!))
      store.predictions.putMany(rows)
      predicted += rows.length
      opts.onProgress?.(Math.min(start + ids.length, todo.length), todo.length)
      // Let pending requests through between batches.
      await new Promise((resolve) => setImmediate(resolve))
    }
  } finally {
    await runner.release()
  }
  return { predicted, failed }
}

function toPrediction(imageId: number, modelVersion: number, classes: string[], probabilities: number[]): NewPrediction {
  let best = 0
  for (let c = 1; c < probabilities.length; c++) if (probabilities[c]! > probabilities[best]!) best = c
  const className = classes[best]
  if (className === undefined) throw new SuggestionModelError(`Model version ${modelVersion} gives ${probabilities.length} outputs but names ${classes.length} classes. Retrain or re-import it.`)
  return { imageId, modelVersion, className, confidence: probabilities[best]!, probabilities }
}

async function runOneByOne(runner: ClassifierRunner, inputs: Array<{ tensor: Float32Array }>, size: number): Promise<number[][]> {
  const out: number[][] = []
  for (const i of inputs) out.push(...(await runBatch(runner, [i.tensor], size)))
  return out
}

/** Probabilities per image for one batch. */
async function runBatch(runner: ClassifierRunner, tensors: Float32Array[], size: number): Promise<number[][]> {
  if (tensors.length === 0) return []
  // Each tensor is [C, S, S] for the model's input channels (inputOf).
  const per = tensors[0]!.length
  // x: [N, C, S, S] float32
  const x = new Float32Array(tensors.length * per)
  tensors.forEach((t, i) => x.set(t, i * per))
  const { probabilities, classes } = await runner.run(x, tensors.length, size)
  const rows: number[][] = []
  for (let n = 0; n < tensors.length; n++) rows.push(Array.from(probabilities.subarray(n * classes, (n + 1) * classes)))
  return rows
}

/** Image ids of a scope, in import order (see ImagesRepository.ids). */
export function imageIdsOf(store: ProjectStore, scope: 'unlabelled' | 'all' | 'val'): number[] {
  return store.images.ids(scope)
}

/** Suggestion per image from the ACTIVE classifier's stored predictions, as project class ids. */
export function activeSuggestions(store: ProjectStore, imageIds: number[]): Map<number, { classId: number; confidence: number }> {
  const out = new Map<number, { classId: number; confidence: number }>()
  const active = store.models.active('classifier')
  if (!active || imageIds.length === 0) return out
  const idByName = new Map(store.classes.list().map((c) => [c.name.toLowerCase(), c.id]))
  for (const [imageId, p] of store.predictions.forImages(active.version, imageIds)) {
    const classId = idByName.get(p.className.toLowerCase())
    if (classId !== undefined) out.set(imageId, { classId, confidence: p.confidence })
  }
  return out
}

export interface MisclassifiedImage {
  imageId: number
  originalName: string
  trueClass: string
  predictedClass: string
  confidence: number
}

/**
 * Validation images whose prediction by `version` differs from their label (predicting the
 * missing ones first), most confident mistakes first.
 */
export async function misclassified(store: ProjectStore, version: number, opts: PredictOptions = {}): Promise<MisclassifiedImage[]> {
  const ids = imageIdsOf(store, 'val')
  await computePredictions(store, version, ids, opts)
  const predictions = store.predictions.forImages(version, ids)
  const nameById = new Map(store.classes.list().map((c) => [c.id, c.name]))
  const out: MisclassifiedImage[] = []
  for (const id of ids) {
    const p = predictions.get(id)
    const img = store.images.get(id)
    const trueClass = img.classId === null ? undefined : nameById.get(img.classId)
    if (!p || trueClass === undefined) continue
    if (p.className.toLowerCase() !== trueClass.toLowerCase()) out.push({ imageId: id, originalName: img.originalName, trueClass, predictedClass: p.className, confidence: p.confidence })
  }
  return out.sort((a, b) => b.confidence - a.confidence || a.imageId - b.imageId)
}
