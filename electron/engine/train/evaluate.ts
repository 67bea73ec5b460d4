import * as ort from 'onnxruntime-node'
import { createSession, type ProviderRequest } from '../infer/sessions'
import { preprocessImage, type Channels, type Fit } from '../../imaging/preprocess'
import { sessionInputChannels } from '../infer/input-channels'
import { argmaxRows, classificationMetrics, type ClassificationMetrics } from './metrics'

/**
 * Evaluate an inference ONNX model (input 'input' [N,3,S,S] or [N,1,S,S], output 'logits' [N,C]) on
 * labelled images with the same preprocessing inspection uses (imaging/preprocess.ts), so
 * validation numbers are the numbers the line will see. Images are never dropped: the last
 * chunk runs at whatever size is left (models are exported with a dynamic batch).
 */

export interface EvalSample {
  key: string
  label: number
  load: () => Promise<Uint8Array>
}

export interface EvalResult {
  metrics: ClassificationMetrics
  /** Mean unweighted cross-entropy over the images. */
  loss: number
  predicted: Int32Array
  logits: Float32Array // [N, C]
}

/** Decoded, preprocessed validation tensors, reusable across epochs (deterministic transform). */
export class PreprocessedSet {
  private tensors: Array<Float32Array | null>
  constructor(
    readonly samples: EvalSample[],
    readonly size: number,
    readonly fit: Fit,
    /** The model's input channels: 3 (RGB) or 1 (grey), imaging/preprocess.ts. */
    readonly channels: Channels = 3,
    /** Keep tensors in memory up to this many bytes (later ones are recomputed each time). */
    private readonly maxBytes = 256 * 1024 * 1024
  ) {
    this.tensors = samples.map(() => null)
  }

  /** The same images for a model reading `channels` (this set when it already does). */
  withChannels(channels: Channels): PreprocessedSet {
    return channels === this.channels ? this : new PreprocessedSet(this.samples, this.size, this.fit, channels, this.maxBytes)
  }

  async tensor(i: number): Promise<Float32Array> {
    const hit = this.tensors[i]
    if (hit) return hit
    const bytes = await this.samples[i]!.load()
    const { tensor } = await preprocessImage(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), { size: this.size, fit: this.fit, channels: this.channels })
    if ((i + 1) * tensor.byteLength <= this.maxBytes) this.tensors[i] = tensor
    return tensor
  }
}

/** Run a model over a preprocessed set in chunks (made for the model's input channels); returns logits [N, C]. */
export async function runLogits(session: ort.InferenceSession, anySet: PreprocessedSet, numClasses: number, chunk = 32): Promise<Float32Array> {
  const set = anySet.withChannels(sessionInputChannels(session))
  const n = set.samples.length
  const plane = set.channels * set.size * set.size
  const logits = new Float32Array(n * numClasses)
  const inputName = session.inputNames[0]!
  for (let start = 0; start < n; start += chunk) {
    const count = Math.min(chunk, n - start)
    // x: [count, C, S, S] float32, ImageNet-normalised (C 3) or grey-normalised (C 1)
    const x = new Float32Array(count * plane)
    const parts = await Promise.all(Array.from({ length: count }, (_, j) => set.tensor(start + j)))
    parts.forEach((t, j) => x.set(t, j * plane))
    const out = await session.run({ [inputName]: new ort.Tensor('float32', x, [count, set.channels, set.size, set.size]) })
    const y = (out.logits ?? out[session.outputNames[0]!])!
    logits.set(y.data as Float32Array, start * numClasses)
    for (const t of Object.values(out)) t.dispose?.()
  }
  return logits
}

export function evaluateLogits(logits: Float32Array, samples: EvalSample[], classes: string[], goodClass: number | null): EvalResult {
  const c = classes.length
  const predicted = argmaxRows(logits, c)
  let loss = 0
  for (let i = 0; i < samples.length; i++) {
    let max = -Infinity
    for (let k = 0; k < c; k++) max = Math.max(max, logits[i * c + k]!)
    let sum = 0
    for (let k = 0; k < c; k++) sum += Math.exp(logits[i * c + k]! - max)
    loss += Math.log(sum) + max - logits[i * c + samples[i]!.label]!
  }
  const metrics = classificationMetrics(
    samples.map((s) => s.label),
    predicted,
    classes,
    goodClass
  )
  return { metrics, loss: samples.length ? loss / samples.length : 0, predicted, logits }
}

/** Evaluate ONNX bytes on a set: creates (and releases) its own session. */
export async function evaluateModel(
  model: Uint8Array,
  set: PreprocessedSet,
  classes: string[],
  goodClass: number | null,
  opts: { provider?: ProviderRequest; threads?: number } = {}
): Promise<EvalResult> {
  const { session } = await createSession(model, opts)
  try {
    return evaluateLogits(await runLogits(session, set, classes.length), set.samples, classes, goodClass)
  } finally {
    await session.release()
  }
}
