import type { AugmentConfig, FitMode } from './augment'
import { BatchRenderer, type RenderItem, type RenderOptions } from './batch-render'
import { BatchWorkerClient, BatchWorkerStoppedError } from './batch-worker-client'
import { drawIndex, epochDraws, type SamplingMode } from './sampling'

export { decodeRgb, ImageDecodeForTrainingError } from './training-decode'

/**
 * Training batches: decode (sharp) and augment (JS) the next batch while the step runs.
 * onnxruntime's `session.run` blocks the JS thread for the whole step (docs/decisions.md,
 * Engine threads): rendered on that thread, only the next batch's sharp decodes (libuv's
 * pool) overlap the step, and the augmentation (~4 ms per 224-px image here) waits for
 * it to end. With `worker` the whole render (batch-render.ts) runs in a worker thread
 * (batch-worker.ts) that keeps the decode cache, so it overlaps the step too.
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
  /**
   * Render batches in a worker thread (batch-worker.ts), so the next batch is decoded and
   * augmented while the caller's step holds this thread; default off. Renders inline when the
   * worker cannot start or stops. Call close() when done.
   */
  worker?: boolean
}

/**
 * The smallest batch, in pixels, the trainer renders in the batch worker (trainer.ts
 * usesBatchWorker; the default 32 × 224² is 1.6 M): below it a batch renders in a few
 * milliseconds, and the thread's start-up and memory would cost more than it hides.
 */
export const WORKER_MIN_BATCH_PIXELS = 16 * 112 * 112

/** Yields an epoch's batches in a (seed, epoch)-shuffled order, one batch prefetched. */
export class BatchLoader {
  private readonly labels: number[]
  private readonly renderOptions: RenderOptions
  private inlineRenderer: BatchRenderer | null = null
  /** undefined: not started yet; null: not used, or stopped (rendering inline from then on). */
  private client: BatchWorkerClient | null | undefined
  /** Closed: a batch the stopped worker still held fails instead of rendering inline. */
  private closed = false
  constructor(
    private readonly samples: TrainSample[],
    private readonly opts: BatchLoaderOptions
  ) {
    this.labels = samples.map((s) => s.label)
    this.renderOptions = { size: opts.size, batch: opts.batch, fit: opts.fit, augment: opts.augment, seed: opts.seed, channels: opts.channels ?? 3, cacheBytes: opts.cacheBytes ?? 512 * 1024 * 1024 }
    this.client = opts.worker ? undefined : null
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
    return (await this.start(epoch, draws)).batch
  }

  /**
   * The epoch's batches from `startStep` on, the next one started before the caller gets
   * this one: with the worker its request is posted by then, so it renders while the
   * caller's step holds this thread.
   */
  async *epoch(epoch: number, startStep = 0): AsyncGenerator<{ step: number; batch: Batch }> {
    const plan = this.epochPlan(epoch)
    let pending = startStep < plan.length ? await this.start(epoch, plan[startStep]!) : null
    for (let step = startStep; step < plan.length; step++) {
      const batch = await pending!.batch
      pending = step + 1 < plan.length ? await this.start(epoch, plan[step + 1]!) : null
      // Keep an unhandled rejection from surfacing before we await it.
      pending?.batch.catch(() => undefined)
      yield { step, batch }
    }
  }

  /** Stop the batch worker, if one runs (the loader renders inline after this). */
  async close(): Promise<void> {
    this.closed = true
    const client = this.client
    this.client = null
    await client?.close()
  }

  /** Whether batches render in the worker thread (false before the first batch, or after it stopped). */
  get rendersInWorker(): boolean {
    return !!this.client
  }

  /**
   * Start one batch: the worker's request posted (or the inline render begun) when this
   * resolves. The pixels come back in `batch` (wrapped, so that awaiting this does not
   * wait for them).
   */
  private async start(epoch: number, draws: number[]): Promise<{ batch: Promise<Batch> }> {
    const n = this.samples.length
    const indices = draws.map((d) => drawIndex(d, n))
    const items: RenderItem[] = indices.map((i, b) => ({ key: this.samples[i]!.key, draw: draws[b]!, load: this.samples[i]!.load }))
    // Always the full batch: rows past indices.length stay zero with weight 0 (padding).
    const labels = new BigInt64Array(this.opts.batch)
    indices.forEach((i, b) => (labels[b] = BigInt(this.samples[i]!.label)))
    const sampleWeights = new Float32Array(this.opts.batch)
    sampleWeights.fill(1, 0, indices.length)
    const { images } = await this.renderImages(epoch, items)
    return { batch: images.then((pixels) => ({ images: pixels, labels, sampleWeights, indices })) }
  }

  /** Resolves once the batch is posted to the worker (or its inline render begun); the pixels follow in `images`. */
  private async renderImages(epoch: number, items: RenderItem[]): Promise<{ images: Promise<Float32Array> }> {
    const inline = (): Promise<Float32Array> => {
      this.inlineRenderer ??= new BatchRenderer(this.renderOptions)
      return this.inlineRenderer.render(epoch, items)
    }
    if (this.client === undefined) this.client = new BatchWorkerClient(this.renderOptions)
    const client = this.client
    if (!client) return { images: inline() }
    // A worker that stopped (failed to start, crashed) leaves the loader rendering inline.
    const fallBack = (error: unknown): Promise<Float32Array> => {
      if (!(error instanceof BatchWorkerStoppedError) || this.closed) throw error
      if (this.client === client) this.client = null
      return inline()
    }
    try {
      const { images } = await client.post(epoch, items)
      return { images: images.catch(fallBack) }
    } catch (error) {
      // Raised when the batch is awaited, as an inline render's error would be.
      return { images: Promise.resolve().then(() => fallBack(error)) }
    }
  }

  private drawCount(): number {
    return this.opts.sampling === 'balanced' && this.opts.drawsPerEpoch ? this.opts.drawsPerEpoch : this.samples.length
  }
}
