import sharp from 'sharp'
import { withDecodeSlot } from '../../imaging/decode-slots'
import { drawAugmentParams, renderAugmented, type AugmentConfig, type FitMode, type RgbImage } from './augment'
import { sampleRng } from './rng'
import { drawExactParams, renderExact, resizeForTraining, usesExactPath } from './augment-exact'
import { drawIndex, epochDraws, type SamplingMode } from './sampling'

/**
 * Training batches: decode (sharp, in libuv's thread pool) and augment (JS) while the
 * previous step runs. onnxruntime's `session.run` blocks the JS thread for the whole step
 * (docs/decisions.md, Engine threads), but sharp's decodes keep going on the pool threads meanwhile, so the
 * next batch's decodes overlap the current step; the JS augmentation (one bilinear
 * resample per image, ~1 ms at 224 px) is small next to a step.
 *
 * The last partial batch of an epoch is padded to the full batch size with zero images of
 * sample weight 0: the step graph (train-step.ts) masks zero-weight samples out of the loss
 * and out of every BatchNorm batch statistic, so the padded batch trains exactly like the
 * smaller one, with one session of one static shape. Evaluation never pads or drops
 * (evaluate.ts runs a dynamic batch size).
 */

export interface TrainSample {
  /** Stable identity (the image's sha256): the decode-cache key. */
  key: string
  /** Class index. */
  label: number
  /** The encoded image bytes. */
  load: () => Promise<Uint8Array>
  /** [width, height] as stored, when known (the auto recipe reads image sizes). */
  size?: [number, number]
}

export class ImageDecodeForTrainingError extends Error {
  constructor(readonly key: string, reason: string) {
    super(`Image ${key.slice(0, 12)} could not be decoded for training (${reason}). Remove or re-import it, then train again.`)
    this.name = 'ImageDecodeForTrainingError'
  }
}

/**
 * Decode to RGB uint8, downscaled (never upscaled) so the shorter side is at most
 * `maxShortSide`: augmentation then resamples from a modest image instead of a 12 MP one.
 */
export async function decodeRgb(bytes: Uint8Array, maxShortSide: number, key = '?'): Promise<RgbImage> {
  try {
    // fit 'outside' + withoutEnlargement: the shorter side becomes maxShortSide unless smaller already.
    const { data, info } = await withDecodeSlot(() =>
      sharp(bytes, { failOn: 'error', limitInputPixels: 268_402_689 })
        .rotate()
        .resize(maxShortSide, maxShortSide, { fit: 'outside', withoutEnlargement: true, kernel: 'lanczos3' })
        .removeAlpha()
        .toColourspace('srgb')
        .raw()
        .toBuffer({ resolveWithObject: true })
    )
    if (info.channels === 3) return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) }
    // Gray (1 channel) that sharp kept as such: expand to RGB.
    const out = new Uint8Array(info.width * info.height * 3)
    for (let i = 0, n = info.width * info.height; i < n; i++) {
      const g = data[i * info.channels]!
      out[i * 3] = g
      out[i * 3 + 1] = g
      out[i * 3 + 2] = g
    }
    return { width: info.width, height: info.height, data: out }
  } catch (error) {
    throw new ImageDecodeForTrainingError(key, (error as Error).message)
  }
}

/** Decoded images kept across epochs, least recently used evicted beyond a byte budget. */
export class DecodedImageCache {
  private readonly map = new Map<string, Promise<RgbImage>>()
  private bytes = 0
  private readonly sizes = new Map<string, number>()
  constructor(private readonly maxBytes: number) {}

  get(key: string, decode: () => Promise<RgbImage>): Promise<RgbImage> {
    const hit = this.map.get(key)
    if (hit) {
      this.map.delete(key)
      this.map.set(key, hit)
      return hit
    }
    const p = decode()
    this.map.set(key, p)
    p.then(
      (img) => {
        if (!this.map.has(key)) return
        this.sizes.set(key, img.data.byteLength)
        this.bytes += img.data.byteLength
        this.evict()
      },
      () => this.map.delete(key)
    )
    return p
  }

  private evict(): void {
    for (const key of this.map.keys()) {
      if (this.bytes <= this.maxBytes) break
      const size = this.sizes.get(key)
      if (size === undefined) continue // still decoding
      this.map.delete(key)
      this.sizes.delete(key)
      this.bytes -= size
    }
  }
}

/** One training batch, ready to feed the step graph. */
export interface Batch {
  images: Float32Array // [B, C, S, S]: C = 3 ImageNet-normalised, or 1 grey-normalised (BatchLoaderOptions.channels)
  labels: BigInt64Array // [B] int64
  sampleWeights: Float32Array // [B], 1 for real samples, 0 for padding
  /** Dataset indices of the real samples, in batch order (padding follows them). */
  indices: number[]
}

export interface BatchLoaderOptions {
  size: number
  batch: number
  fit: FitMode
  augment: AugmentConfig
  seed: number
  /** 'shuffle' (default): each image once per epoch; 'balanced': classes drawn equally often (sampling.ts). */
  sampling?: SamplingMode
  /** Draws per epoch with 'balanced' sampling (default: the number of images). */
  drawsPerEpoch?: number
  /** Byte budget of the decoded-image cache (default 512 MB). */
  cacheBytes?: number
  /** Input channels of the model: 3 (default) or 1 (one grey plane, imaging/preprocess.ts). */
  channels?: 1 | 3
}

/** Yields an epoch's batches in a (seed, epoch)-shuffled order, one batch prefetched. */
export class BatchLoader {
  private readonly cache: DecodedImageCache
  private readonly labels: number[]
  constructor(
    private readonly samples: TrainSample[],
    private readonly opts: BatchLoaderOptions
  ) {
    this.cache = new DecodedImageCache(opts.cacheBytes ?? 512 * 1024 * 1024)
    this.labels = samples.map((s) => s.label)
  }

  /** Batches per epoch (the last one padded when the set does not divide evenly). */
  batchesPerEpoch(): number {
    return Math.ceil(this.drawCount() / this.opts.batch)
  }

  /** Draw ids of one epoch's batches (= dataset indices when sampling is 'shuffle'; sampling.ts). */
  epochPlan(epoch: number): number[][] {
    const order = epochDraws(this.labels, this.opts.sampling ?? 'shuffle', this.opts.seed, epoch, this.drawCount())
    const plan: number[][] = []
    for (let b = 0; b < this.batchesPerEpoch(); b++) plan.push(order.slice(b * this.opts.batch, (b + 1) * this.opts.batch))
    return plan
  }

  /** Assemble one batch; every sample's augmentation is drawn from its (seed, epoch, draw) stream. */
  async assemble(epoch: number, draws: number[]): Promise<Batch> {
    const n = this.samples.length
    const indices = draws.map((d) => drawIndex(d, n))
    const { size } = this.opts
    const channels = this.opts.channels ?? 3
    const plane = channels * size * size
    // Always the full batch: rows past indices.length stay zero with weight 0 (padding).
    const images = new Float32Array(this.opts.batch * plane)
    const labels = new BigInt64Array(this.opts.batch)
    const sampleWeights = new Float32Array(this.opts.batch)
    sampleWeights.fill(1, 0, indices.length)
    if (usesExactPath(this.opts.augment, this.opts.fit)) {
      const resized = await Promise.all(indices.map((i) => this.resized(i)))
      resized.forEach((img, b) => {
        renderExact(img, size, drawExactParams(this.opts.augment, size, sampleRng(this.opts.seed, epoch, draws[b]!)), images, b * plane, channels)
        labels[b] = BigInt(this.samples[indices[b]!]!.label)
      })
      return { images, labels, sampleWeights, indices }
    }
    const decoded = await Promise.all(indices.map((i) => this.decoded(i)))
    decoded.forEach((img, b) => {
      const index = indices[b]!
      const params = drawAugmentParams(img, size, this.opts.fit, this.opts.augment, sampleRng(this.opts.seed, epoch, draws[b]!))
      renderAugmented(img, size, params, images, b * plane, channels)
      labels[b] = BigInt(this.samples[index]!.label)
    })
    return { images, labels, sampleWeights, indices }
  }

  /** The epoch's batches from `startStep` on, the next one assembled while the caller works. */
  async *epoch(epoch: number, startStep = 0): AsyncGenerator<{ step: number; batch: Batch }> {
    const plan = this.epochPlan(epoch)
    let pending: Promise<Batch> | null = startStep < plan.length ? this.assemble(epoch, plan[startStep]!) : null
    for (let step = startStep; step < plan.length; step++) {
      const batch = await pending!
      pending = step + 1 < plan.length ? this.assemble(epoch, plan[step + 1]!) : null
      // Keep an unhandled rejection from surfacing before we await it.
      pending?.catch(() => undefined)
      yield { step, batch }
    }
  }

  private drawCount(): number {
    return this.opts.sampling === 'balanced' && this.opts.drawsPerEpoch ? this.opts.drawsPerEpoch : this.samples.length
  }

  /** The image at the network's size, resized as inspection does (augment-exact.ts); cached. */
  private resized(index: number): Promise<RgbImage> {
    const sample = this.samples[index]!
    // Full-resolution decode (no pre-shrink) so the one resize equals inspection's.
    return this.cache.get(`${sample.key}@${this.opts.size}`, async () => resizeForTraining(await decodeRgb(await sample.load(), 100_000_000, sample.key), this.opts.size))
  }

  private decoded(index: number): Promise<RgbImage> {
    const sample = this.samples[index]!
    // Keep twice the network side: enough detail for crops, small enough to resample fast.
    return this.cache.get(sample.key, async () => decodeRgb(await sample.load(), 2 * this.opts.size, sample.key))
  }
}
