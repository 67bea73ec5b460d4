import * as ort from 'onnxruntime-node'
import { decodeRgb, preprocessPrepared, preprocessRgb, type Fit, type InputRegion, type RgbImage, type Roi } from '../../imaging/preprocess'
import { buildResnet18Inference, inputChannelsOf, type InputChannels } from '../models/resnet'
import { withFlipAveraging } from '../onnx/flip-average'
import type { TensorMap } from '../tensor'
import { buildResnet18Int8FromRanges, type ActivationRanges } from './int8'
import { camToImageHeatmap, classActivationMap, normaliseCam, type Heatmap } from './heatmap'
import { createSession, providerLabel, type ExecutionProviderName, type InferenceSession, type ProviderRequest } from './sessions'

/**
 * A classifier ready to run: ONNX session (weights baked in) plus what it needs to turn
 * images into predictions and heatmaps. Created from ResNet18 weights (torchvision names).
 */

export interface Prediction {
  logits: number[]
  probabilities: number[]
  /** Index of the largest logit (class order = the weights' fc rows). */
  class: number
}

export interface ImagePrediction extends Prediction {
  /** Original (upright) image size. */
  width: number
  height: number
  /** The rectangle of the original image the network saw. */
  region: InputRegion
  /** Class activation map of the predicted class over the original image. */
  heatmap?: Heatmap
}

export interface PredictorOptions {
  weights: TensorMap
  numClasses: number
  width?: number
  /** Network input side S (224 standard). */
  size: number
  /** Also output layer4 so heatmaps can be computed. */
  heatmap?: boolean
  /**
   * Average the image and its three mirror images (engine/onnx/flip-average.ts): what a
   * model saved with test-time flips answers (parseResnetWeights' testTimeFlips).
   */
  testTimeFlips?: boolean
  provider?: ProviderRequest
  threads?: number
  /**
   * Intra-op threads busy-wait between kernels (onnxruntime's default, true): lower latency
   * on an idle machine, CPU burnt that other work could use on a busy one (bench:infer
   * measures both).
   */
  spinning?: boolean
  /**
   * Run the INT8 (static QDQ) model of these weights with these calibration ranges
   * (int8.ts) instead of fp32. CPU only: the QDQ graph is fused into VNNI kernels there and
   * is not verified on GPU providers.
   */
  int8Ranges?: ActivationRanges
}

export class Predictor {
  private constructor(
    private session: InferenceSession,
    /** ONNX bytes, kept only while on a GPU provider (to rebuild the session on CPU). */
    private model: Uint8Array | null,
    private readonly threads: number | undefined,
    readonly numClasses: number,
    readonly size: number,
    /** Image channels the model reads (3, or 1 for a one-channel stem): the weights' conv1 says. */
    readonly channels: InputChannels,
    private providerInUse: ExecutionProviderName,
    private reason: string,
    // fc: [C, F] float32 and [C]; used for CAM
    private readonly fcWeight: Float32Array,
    private readonly fcBias: Float32Array,
    readonly hasHeatmap: boolean
  ) {}

  /** Provider the session runs on now (a GPU that failed while running is replaced by CPU). */
  get provider(): ExecutionProviderName {
    return this.providerInUse
  }

  /** Why that provider is in use. */
  get providerReason(): string {
    return this.reason
  }

  /** Build the ONNX model for these weights and open a session on the best provider. */
  static async create(opts: PredictorOptions): Promise<Predictor> {
    const built = opts.int8Ranges
      ? buildResnet18Int8FromRanges({ weights: opts.weights, numClasses: opts.numClasses, width: opts.width, size: opts.size, probabilities: true, layer4: opts.heatmap === true }, opts.int8Ranges)
      : buildResnet18Inference({
          numClasses: opts.numClasses,
          width: opts.width,
          height: opts.size,
          batch: 'dynamic',
          weights: opts.weights,
          outputs: { probabilities: true, layer4: opts.heatmap === true }
        })
    const model = opts.testTimeFlips ? withFlipAveraging(built) : built
    const { session, provider, reason } = await createSession(model, { provider: opts.int8Ranges ? 'cpu' : opts.provider, threads: opts.threads, ...(opts.spinning === false ? { spinning: false } : {}) })
    const fc = opts.weights.get('fc.weight')!
    const bias = opts.weights.get('fc.bias')!
    return new Predictor(session, provider === 'cpu' ? null : model, opts.threads, opts.numClasses, opts.size, inputChannelsOf(opts.weights), provider, reason, fc.data, bias.data, opts.heatmap === true)
  }

  /**
   * Run a batch. input: [N, C, S, S] float32, C = `channels` (3: ImageNet-normalised; 1: grey,
   * imaging/preprocess.ts). Returns logits and
   * probabilities [N, C], and layer4 [N, F, S/32, S/32] when built with heatmap.
   */
  async runBatch(input: Float32Array, n: number): Promise<{ logits: Float32Array; probabilities: Float32Array; layer4?: { data: Float32Array; dims: number[] } }> {
    const S = this.size
    const C = this.channels
    if (input.length !== n * C * S * S) throw new Error(`Predictor.runBatch: input has ${input.length} values, expected ${n}×${C}×${S}×${S}.`)
    const feeds = { input: new ort.Tensor('float32', input, [n, C, S, S]) }
    let out: ort.InferenceSession.OnnxValueMapType
    try {
      out = await this.session.run(feeds)
    } catch (error) {
      if (this.providerInUse === 'cpu' || !this.model) throw error
      // A GPU provider that fails while running (unsupported op, device lost, out of
      // memory) is replaced by CPU for this and every later run, with the reason.
      await this.switchToCpu(error)
      out = await this.session.run(feeds)
    }
    const layer4 = out.layer4 ? { data: out.layer4.data as Float32Array, dims: [...out.layer4.dims] } : undefined
    return { logits: out.logits!.data as Float32Array, probabilities: out.probabilities!.data as Float32Array, layer4 }
  }

  private async switchToCpu(error: unknown): Promise<void> {
    const failed = this.providerInUse
    if (!this.model) throw error
    const { session } = await createSession(this.model, { provider: 'cpu', threads: this.threads })
    const old = this.session
    this.session = session
    this.providerInUse = 'cpu'
    this.model = null
    const msg = (error instanceof Error ? error.message : String(error)).split('\n')[0]!.slice(0, 300)
    this.reason = `${providerLabel(failed)} failed while running (${msg}); switched to CPU.`
    await old.release().catch(() => undefined)
  }

  /** Predict image files or encoded bytes, one session run per `batchSize` images. */
  async predictImages(
    images: Array<string | Buffer>,
    opts: { fit: Fit; roi?: Roi; heatmap?: boolean; batchSize?: number; heatmapSide?: number }
  ): Promise<ImagePrediction[]> {
    const batchSize = Math.max(1, opts.batchSize ?? 8)
    const results: ImagePrediction[] = []
    for (let start = 0; start < images.length; start += batchSize) {
      const chunk = images.slice(start, start + batchSize)
      const decoded = await Promise.all(chunk.map((img) => decodeRgb(img)))
      results.push(...(await this.predictDecoded(decoded, opts, chunk.map((img) => (typeof img === 'string' ? img : 'image')))))
    }
    return results
  }

  /**
   * Predict already decoded images in one session run (a camera frame decoded once for
   * several models). `preparedFrom`: the images are prepared frames (the first stage of the
   * input, run by the camera screen on a frame of this size); predictions, regions and
   * heatmaps are those of that full frame.
   */
  async predictDecoded(
    images: RgbImage[],
    opts: { fit: Fit; roi?: Roi; heatmap?: boolean; heatmapSide?: number; preparedFrom?: { width: number; height: number } },
    labels: string[] = []
  ): Promise<ImagePrediction[]> {
    const S = this.size
    const wantHeatmap = opts.heatmap === true
    if (wantHeatmap && !this.hasHeatmap) throw new Error('This predictor was created without heatmap output; create it with heatmap: true.')
    const spec = { size: S, fit: opts.fit, roi: opts.roi, channels: this.channels }
    const frame = opts.preparedFrom
    const pre = images.map((img, i) =>
      frame ? { ...preprocessPrepared(img, frame, spec, labels[i]), width: frame.width, height: frame.height } : { ...preprocessRgb(img, spec, labels[i] ?? 'image'), width: img.width, height: img.height }
    )
    // batch: [n, C, S, S] float32
    const plane = this.channels * S * S
    const batch = new Float32Array(images.length * plane)
    pre.forEach((p, i) => batch.set(p.tensor, i * plane))
    const out = await this.runBatch(batch, images.length)
    return pre.map((p, i) => {
      const prediction = this.toPrediction(out.logits, out.probabilities, i)
      const r: ImagePrediction = { ...prediction, width: p.width, height: p.height, region: p.region }
      if (wantHeatmap && out.layer4) {
        const [, F, h, w] = out.layer4.dims as [number, number, number, number]
        const cam = this.rawCam(out.layer4.data.subarray(i * F * h * w, (i + 1) * F * h * w), F, h, w, prediction.class)
        r.heatmap = camToImageHeatmap(normaliseCam(cam), h, w, p.region, p, opts.heatmapSide)
      }
      return r
    })
  }

  /** CAM of class k for one image's layer4 features [F, h, w]: returns [h, w] (not ReLU'd). */
  rawCam(features: Float32Array, F: number, h: number, w: number, k: number): Float32Array {
    return classActivationMap(features, F, h, w, this.fcWeight.subarray(k * F, (k + 1) * F))
  }

  /** fc bias of class k (mean(rawCam) + bias = logit). */
  bias(k: number): number {
    return this.fcBias[k]!
  }

  toPrediction(logits: Float32Array, probabilities: Float32Array, i: number): Prediction {
    const C = this.numClasses
    const l = Array.from(logits.subarray(i * C, (i + 1) * C))
    const p = Array.from(probabilities.subarray(i * C, (i + 1) * C))
    let best = 0
    for (let k = 1; k < C; k++) if (l[k]! > l[best]!) best = k
    return { logits: l, probabilities: p, class: best }
  }

  async release(): Promise<void> {
    await this.session.release()
  }
}
