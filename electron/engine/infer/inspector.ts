import * as ort from 'onnxruntime-node'
import { RAW_FRAME_CHANNELS, type InspectionHeatmap, type PreparedFor, type RawFrame } from '../../../shared/contract/inspection'
import { decodeRgb, PreprocessError, preprocessPrepared, preprocessRgb, type Fit, type RgbImage, type Roi } from '../../imaging/preprocess'
import { sameInput } from '../../../shared/imaging/input-plan'
import { createAnomalyScorer, type AnomalyScorer } from '../anomaly/patchcore'
import { parseResnetWeights } from '../models/weights'
import type { Heatmap } from './heatmap'
import { rangesFromJson } from './int8'
import { Predictor } from './predictor'
import { createSession, type InferenceSession } from './sessions'
import { sessionInputChannels } from './input-channels'

/**
 * The live inspection engine: the models of one inspection session (a classifier, an
 * anomaly model, or both) and one call per frame. An encoded frame (a file) is decoded
 * once; a raw camera frame (RGBA) is used as it is, without a copy: both are preprocessed
 * for each model from the same pixels, by the same exact resize. Runs in the inspection
 * worker thread in the app (worker/handlers/inspect.ts) and in-process for the CLI.
 *
 * A classifier with trained weights (safetensors) runs through the Predictor, which also
 * gives class activation heatmaps; an ONNX-only classifier (imported without weights) runs
 * as-is, without heatmaps. The anomaly model is the PatchCore ONNX graph
 * (input [1, 3, S, S] -> score [1], anomaly_map [1, 1, S, S]).
 */

/** Longest side of heatmaps sent to screens and records (a coarse overlay is enough). */
export const HEATMAP_SIDE = 48

export interface ClassifierModelBytes {
  onnx: Uint8Array
  weights: Uint8Array | null
  size: number
  /** INT8 calibration ranges (int8.ts, rangesToJson) when the model version runs in INT8; needs weights. */
  int8Ranges?: Record<string, [number, number]> | null
}

export interface AnomalyModelBytes {
  onnx: Uint8Array
  size: number
}

export interface InspectFrameRequest {
  classifier: { key: string; fit: Fit } | null
  anomaly: { key: string; fit: Fit; threshold: number } | null
  roi: Roi | null
  heatmap: boolean
  /** The frame is raw pixels of this size and format (a camera frame), not an encoded file. */
  raw?: RawFrame | null
}

export interface InspectFrameResult {
  /** probabilities: [C] in the classifier's class order (when a classifier ran). */
  probabilities?: number[]
  anomalyScore?: number
  heatmap: InspectionHeatmap | null
  /** Milliseconds spent decoding the frame and running the models (for benches). */
  decodeMs: number
  modelMs: number
}

type ClassifierRunner = { kind: 'predictor'; predictor: Predictor; size: number } | { kind: 'onnx'; session: InferenceSession; size: number }

export class Inspector {
  private readonly classifiers = new Map<string, Promise<ClassifierRunner>>()
  private readonly scorers = new Map<string, Promise<{ scorer: AnomalyScorer; size: number }>>()

  /** spinning: as Predictor's option (false: idle intra-op threads sleep instead of busy-waiting). */
  constructor(private readonly opts: { threads?: number; spinning?: boolean } = {}) {}

  /** The session option for spinning, only when it was switched off (absent = onnxruntime's default). */
  private spinning(): { spinning?: false } {
    return this.opts.spinning === false ? { spinning: false } : {}
  }

  has(key: string): boolean {
    return this.classifiers.has(key) || this.scorers.has(key)
  }

  /** Load a classifier under `key` (once; a failed load is forgotten so it can be retried). */
  loadClassifier(key: string, bytes: ClassifierModelBytes): Promise<void> {
    let r = this.classifiers.get(key)
    if (!r) {
      r = this.createClassifier(key, bytes)
      r.catch(() => this.classifiers.delete(key))
      this.classifiers.set(key, r)
    }
    return r.then(() => undefined)
  }

  loadAnomaly(key: string, bytes: AnomalyModelBytes): Promise<void> {
    let s = this.scorers.get(key)
    if (!s) {
      s = createAnomalyScorer(bytes.onnx, bytes.size, { threads: this.opts.threads, ...this.spinning() }).then((scorer) => ({ scorer, size: bytes.size }))
      s.catch(() => this.scorers.delete(key))
      this.scorers.set(key, s)
    }
    return s.then(() => undefined)
  }

  /** Inspect one frame (encoded JPEG/PNG/..., or raw as `req.raw` says) with the named, loaded models. */
  async inspect(image: Uint8Array, req: InspectFrameRequest): Promise<InspectFrameResult> {
    if (!req.classifier && !req.anomaly) throw new Error('No model is active; train one or import a model package.')
    const classifier = req.classifier ? await this.loaded(this.classifiers, req.classifier.key) : null
    const anomaly = req.anomaly ? await this.loaded(this.scorers, req.anomaly.key) : null
    const t0 = performance.now()
    const pixels = req.raw ? rawPixels(image, req.raw) : await decodeRgb(Buffer.from(image.buffer, image.byteOffset, image.byteLength))
    const t1 = performance.now()
    const roi = req.roi ?? undefined
    const prepared = req.raw?.prepared ?? null
    const frame = prepared ? { width: prepared.frameWidth, height: prepared.frameHeight } : null
    const out: InspectFrameResult = { heatmap: null, decodeMs: t1 - t0, modelMs: 0 }
    if (classifier && req.classifier) {
      if (prepared) checkPrepared(prepared, { size: classifier.size, fit: req.classifier.fit, roi: req.roi })
      if (classifier.kind === 'predictor') {
        const wantHeatmap = req.heatmap && classifier.predictor.hasHeatmap
        // The class activation map is sampled straight at the screen's size (not at 224 px
        // and then shrunk): the overlay is coarse, and this is a few ms per frame less.
        const [r] = await classifier.predictor.predictDecoded([pixels], { fit: req.classifier.fit, roi, heatmap: wantHeatmap, heatmapSide: HEATMAP_SIDE, ...(frame ? { preparedFrom: frame } : {}) })
        out.probabilities = r!.probabilities
        if (r!.heatmap) out.heatmap = shrinkHeatmap(r!.heatmap)
      } else {
        const S = classifier.size
        const session = classifier.session
        // A one-channel model (its input [N, 1, S, S]) gets the grey plane of the same RGB pixels.
        const channels = sessionInputChannels(session)
        const spec = { size: S, fit: req.classifier.fit, roi, channels }
        const { tensor } = frame ? preprocessPrepared(pixels, frame, spec) : preprocessRgb(pixels, spec)
        // input: [1, C, S, S] float32, ImageNet-normalised (C 3) or grey-normalised (C 1)
        const result = await session.run({ [session.inputNames[0]!]: new ort.Tensor('float32', tensor, [1, channels, S, S]) })
        out.probabilities = result.probabilities ? Array.from(result.probabilities.data as Float32Array) : softmax(Array.from(result[session.outputNames[0]!]!.data as Float32Array))
      }
    }
    if (anomaly && req.anomaly) {
      const S = anomaly.size
      const spec = { size: S, fit: req.anomaly.fit, roi }
      if (prepared) checkPrepared(prepared, { ...spec, roi: req.roi })
      const { tensor } = frame ? preprocessPrepared(pixels, frame, spec) : preprocessRgb(pixels, spec)
      const [r] = await anomaly.scorer.score([tensor])
      out.anomalyScore = r!.score
      if (req.heatmap && !out.heatmap && r!.map.length === S * S) {
        // Scaled by the threshold so 1 means "at the reject threshold" for display.
        const t = req.anomaly.threshold || 1
        const scaled = r!.map.map((v) => Math.min(1, Math.max(0, v / t)))
        out.heatmap = shrinkHeatmap({ width: S, height: S, data: scaled })
      }
    }
    out.modelMs = performance.now() - t1
    return out
  }

  /** Release every model but those named in `keep` (a model swap frees the old version). */
  async unloadExcept(keep: string[]): Promise<void> {
    const k = new Set(keep)
    for (const [key, r] of [...this.classifiers]) {
      if (k.has(key)) continue
      this.classifiers.delete(key)
      await releaseClassifier(r)
    }
    for (const [key, s] of [...this.scorers]) {
      if (k.has(key)) continue
      this.scorers.delete(key)
      await (await s.catch(() => null))?.scorer.release()
    }
  }

  release(): Promise<void> {
    return this.unloadExcept([])
  }

  private async loaded<T>(map: Map<string, Promise<T>>, key: string): Promise<T> {
    const r = map.get(key)
    if (!r) throw new Error(`No inspection model is loaded under "${key}"; load it first.`)
    return r
  }

  private async createClassifier(key: string, bytes: ClassifierModelBytes): Promise<ClassifierRunner> {
    if (bytes.weights) {
      const { weights, numClasses, width, testTimeFlips } = parseResnetWeights(bytes.weights, key)
      const int8Ranges = bytes.int8Ranges ? rangesFromJson(bytes.int8Ranges) : undefined
      const predictor = await Predictor.create({ weights, numClasses, width, size: bytes.size, heatmap: true, testTimeFlips, threads: this.opts.threads, ...this.spinning(), int8Ranges })
      return { kind: 'predictor', predictor, size: bytes.size }
    }
    const { session } = await createSession(bytes.onnx, { threads: this.opts.threads, ...this.spinning() })
    return { kind: 'onnx', session, size: bytes.size }
  }
}

/** A raw frame's bytes as pixels (no copy); its size is checked, as a wrong one would read garbage. */
export function rawPixels(image: Uint8Array, raw: RawFrame): RgbImage {
  const channels = RAW_FRAME_CHANNELS[raw.format]
  if (image.byteLength !== raw.width * raw.height * channels) {
    throw new PreprocessError('camera frame', `a ${raw.width}×${raw.height} ${raw.format} frame has ${raw.width * raw.height * channels} bytes; this one has ${image.byteLength}.`)
  }
  return { data: image, width: raw.width, height: raw.height, channels }
}

/** A prepared frame serves a model only if it was prepared for exactly its input (size, fit, region). */
function checkPrepared(prepared: PreparedFor, need: { size: number; fit: Fit; roi: Roi | null }): void {
  if (sameInput(prepared, need)) return
  const describe = (s: { size: number; fit: Fit; roi: Roi | null }) => `${s.size} px ${s.fit}${s.roi ? ` region ${s.roi.x},${s.roi.y} ${s.roi.w}×${s.roi.h}` : ''}`
  throw new PreprocessError('camera frame', `it was prepared for ${describe(prepared)}; the model needs ${describe(need)} (the settings or the model changed while it travelled).`)
}

async function releaseClassifier(r: Promise<ClassifierRunner>): Promise<void> {
  const runner = await r.catch(() => null)
  if (runner?.kind === 'predictor') await runner.predictor.release()
  else if (runner) await runner.session.release()
}

export function softmax(logits: number[]): number[] {
  const max = Math.max(...logits)
  const e = logits.map((l) => Math.exp(l - max))
  const sum = e.reduce((a, b) => a + b, 0)
  return e.map((v) => v / sum)
}

/**
 * Block-average a heatmap down so its longer side is at most `side`, as bytes: 0..255 for
 * strength 0..1 (a byte per cell is finer than the overlay shows, and it crosses IPC and
 * the WebSocket as it is, not as a JSON list of numbers).
 */
export function shrinkHeatmap(h: Pick<Heatmap, 'width' | 'height' | 'data'>, side = HEATMAP_SIDE): InspectionHeatmap {
  const scale = Math.min(1, side / Math.max(h.width, h.height))
  const w = Math.max(1, Math.round(h.width * scale))
  const hh = Math.max(1, Math.round(h.height * scale))
  const values = new Uint8Array(w * hh)
  for (let y = 0; y < hh; y++) {
    const y0 = Math.floor((y * h.height) / hh)
    const y1 = Math.max(y0 + 1, Math.floor(((y + 1) * h.height) / hh))
    for (let x = 0; x < w; x++) {
      const x0 = Math.floor((x * h.width) / w)
      const x1 = Math.max(x0 + 1, Math.floor(((x + 1) * h.width) / w))
      let sum = 0
      for (let yy = y0; yy < y1; yy++) for (let xx = x0; xx < x1; xx++) sum += h.data[yy * h.width + xx]!
      const v = sum / ((y1 - y0) * (x1 - x0))
      values[y * w + x] = Math.round(255 * (v < 0 ? 0 : v > 1 ? 1 : v))
    }
  }
  return { width: w, height: hh, values }
}
