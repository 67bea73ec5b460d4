import * as ort from 'onnxruntime-node'
import type { InspectionHeatmap, InspectionModelInfo } from '../../../shared/contract/inspection'
import { preprocessImage } from '../../imaging/preprocess'
import { Predictor } from '../../engine/infer/predictor'
import { createSession, type InferenceSession } from '../../engine/infer/sessions'
import type { Heatmap } from '../../engine/infer/heatmap'
import { parseResnetWeights } from '../../engine/models/weights'
import { createAnomalyScorer, type AnomalyScorer } from '../../engine/anomaly/patchcore'
import type { EngineOutput, EngineRequest, InspectionEngine } from './pipeline'

/**
 * The inspection engine run in this thread: used by the CLI and the bench, where nothing
 * else shares the event loop (the app uses the worker engine, engine-worker.ts).
 * A model version with trained weights (safetensors) runs through the Predictor, which
 * also gives class activation heatmaps; an ONNX-only model (e.g. imported without
 * weights) runs as-is, without heatmaps.
 */

/** A model version's bytes, from the project store or a model package. */
export interface ModelBytes {
  onnx: Uint8Array
  weights: Uint8Array | null
}
export type ModelLoader = (version: number) => ModelBytes

/** Longest side of heatmaps sent to screens and records (a coarse overlay is enough). */
export const HEATMAP_SIDE = 48

type Runner =
  | { kind: 'predictor'; predictor: Predictor }
  | { kind: 'onnx'; session: InferenceSession; size: number }

export class LocalInspectionEngine implements InspectionEngine {
  private runners = new Map<string, Promise<Runner>>()
  private anomalyScorers = new Map<string, Promise<AnomalyScorer>>()

  constructor(
    private readonly loadModel: ModelLoader,
    private readonly opts: { threads?: number } = {}
  ) {}

  async infer(request: EngineRequest): Promise<EngineOutput> {
    const [classified, anomaly] = await Promise.all([
      request.models.classifier ? this.classify(request) : Promise.resolve(null),
      request.models.anomaly ? this.scoreAnomaly(request) : Promise.resolve(null)
    ])
    if (!classified && !anomaly) throw new Error('No model is active; train one or import a model package.')
    return { ...(classified ?? {}), ...(anomaly ? { anomalyScore: anomaly.anomalyScore } : {}), heatmap: classified?.heatmap ?? anomaly?.heatmap ?? null }
  }

  /** The anomaly model's score (PatchCore ONNX: input [1, 3, S, S] -> score [1], anomaly_map [1, 1, S, S]). */
  async scoreAnomaly(request: EngineRequest): Promise<{ anomalyScore: number; heatmap: InspectionHeatmap | null }> {
    const a = request.models.anomaly!
    const s = await this.scorerFor(a)
    const { tensor } = await preprocessImage(request.image, { size: a.size, fit: a.fit, roi: request.roi ?? undefined })
    const [r] = await s.score([tensor])
    let heatmap: InspectionHeatmap | null = null
    if (request.heatmap && r!.map.length === a.size * a.size) {
      // Scale the map by the threshold so 1 means "at the reject threshold" for display.
      const scaled = r!.map.map((v) => Math.min(1, Math.max(0, v / (a.threshold || 1))))
      heatmap = shrinkHeatmap({ width: a.size, height: a.size, data: scaled })
    }
    return { anomalyScore: r!.score, heatmap }
  }

  private scorerFor(a: NonNullable<InspectionModelInfo['anomaly']>): Promise<AnomalyScorer> {
    const key = `anomaly:${a.version}@${a.size}`
    let scorer = this.anomalyScorers.get(key)
    if (!scorer) {
      scorer = createAnomalyScorer(this.loadModel(a.version).onnx, a.size, { threads: this.opts.threads })
      scorer.catch(() => this.anomalyScorers.delete(key))
      this.anomalyScorers.set(key, scorer)
    }
    return scorer
  }

  private async classify(request: EngineRequest): Promise<EngineOutput> {
    const c = request.models.classifier!
    const runner = await this.runnerFor(c)
    const roi = request.roi ?? undefined
    if (runner.kind === 'predictor') {
      const [r] = await runner.predictor.predictImages([request.image], { fit: c.fit, roi, heatmap: request.heatmap && runner.predictor.hasHeatmap })
      return { probabilities: r!.probabilities, heatmap: r!.heatmap ? shrinkHeatmap(r!.heatmap) : null }
    }
    const { tensor } = await preprocessImage(request.image, { size: c.size, fit: c.fit, roi })
    // input: [1, 3, S, S] float32, ImageNet-normalised
    const out = await runner.session.run({ [runner.session.inputNames[0]!]: new ort.Tensor('float32', tensor, [1, 3, c.size, c.size]) })
    const probs = out.probabilities ? Array.from(out.probabilities.data as Float32Array) : softmax(Array.from(out[runner.session.outputNames[0]!]!.data as Float32Array))
    return { probabilities: probs, heatmap: null }
  }

  async warmup(models: InspectionModelInfo): Promise<void> {
    if (models.classifier) await this.runnerFor(models.classifier)
    if (models.anomaly) await this.scorerFor(models.anomaly)
  }

  async restart(): Promise<void> {
    await this.release()
  }

  async release(): Promise<void> {
    const all = [...this.runners.values()]
    this.runners.clear()
    const scorers = [...this.anomalyScorers.values()]
    this.anomalyScorers.clear()
    for (const s of scorers) await (await s.catch(() => null))?.release()
    for (const r of all) {
      const runner = await r.catch(() => null)
      if (runner?.kind === 'predictor') await runner.predictor.release()
      else if (runner) await runner.session.release()
    }
  }

  private runnerFor(c: NonNullable<InspectionModelInfo['classifier']>): Promise<Runner> {
    const key = `${c.version}@${c.size}`
    let r = this.runners.get(key)
    if (!r) {
      r = this.createRunner(c.version, c.size)
      r.catch(() => this.runners.delete(key))
      this.runners.set(key, r)
    }
    return r
  }

  private async createRunner(version: number, size: number): Promise<Runner> {
    const bytes = this.loadModel(version)
    if (bytes.weights) {
      const { weights, numClasses, width } = parseResnetWeights(bytes.weights, `model version ${version}`)
      const predictor = await Predictor.create({ weights, numClasses, width, size, heatmap: true, threads: this.opts.threads })
      return { kind: 'predictor', predictor }
    }
    const { session } = await createSession(bytes.onnx, { threads: this.opts.threads })
    return { kind: 'onnx', session, size }
  }
}

export function softmax(logits: number[]): number[] {
  const max = Math.max(...logits)
  const e = logits.map((l) => Math.exp(l - max))
  const sum = e.reduce((a, b) => a + b, 0)
  return e.map((v) => v / sum)
}

/** Block-average a heatmap down so its longer side is at most `side` (values stay 0..1). */
export function shrinkHeatmap(h: Pick<Heatmap, 'width' | 'height' | 'data'>, side = HEATMAP_SIDE): InspectionHeatmap {
  const scale = Math.min(1, side / Math.max(h.width, h.height))
  const w = Math.max(1, Math.round(h.width * scale))
  const hh = Math.max(1, Math.round(h.height * scale))
  const values = new Array<number>(w * hh).fill(0)
  for (let y = 0; y < hh; y++) {
    const y0 = Math.floor((y * h.height) / hh)
    const y1 = Math.max(y0 + 1, Math.floor(((y + 1) * h.height) / hh))
    for (let x = 0; x < w; x++) {
      const x0 = Math.floor((x * h.width) / w)
      const x1 = Math.max(x0 + 1, Math.floor(((x + 1) * h.width) / w))
      let sum = 0
      for (let yy = y0; yy < y1; yy++) for (let xx = x0; xx < x1; xx++) sum += h.data[yy * h.width + xx]!
      values[y * w + x] = Math.round((sum / ((y1 - y0) * (x1 - x0))) * 1000) / 1000
    }
  }
  return { width: w, height: hh, values }
}
