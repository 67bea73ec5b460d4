import { drawAugmentParams, renderAugmented, type AugmentConfig, type FitMode, type RgbImage } from './augment'
import { drawExactParams, renderExact, resizeForTraining, usesExactPath } from './augment-exact'
import { sampleRng } from './rng'
import { DecodedImageCache, decodeRgb } from './training-decode'

/**
 * The pixels of a training batch: each sample decoded (cached across epochs), augmented
 * from its own (seed, epoch, draw) stream and written into one [B, C, S, S] float32 array.
 * A pure function of its inputs and the images' bytes, so it renders the same batch on the
 * trainer's thread or in the batch worker (batch-worker.ts).
 */

export interface RenderOptions {
  size: number
  batch: number
  fit: FitMode
  augment: AugmentConfig
  seed: number
  /** Input channels of the model: 3 or 1 (imaging/preprocess.ts). */
  channels: 1 | 3
  /** Byte budget of the decoded-image cache. */
  cacheBytes: number
}

/** One sample of a batch: its cache key (the image's sha256), its draw id and its bytes. */
export interface RenderItem {
  key: string
  draw: number
  load: () => Promise<Uint8Array>
}

export class BatchRenderer {
  private readonly cache: DecodedImageCache
  private readonly exact: boolean

  /** `onCacheChange`: a decode kept in (true) or evicted from (false) the cache, by sample key. */
  constructor(
    private readonly opts: RenderOptions,
    onCacheChange?: (key: string, kept: boolean) => void
  ) {
    this.cache = new DecodedImageCache(opts.cacheBytes, onCacheChange)
    this.exact = usesExactPath(opts.augment, opts.fit)
  }

  /** [batch, C, S, S]; rows past items.length stay zero (the loader's padding). */
  async render(epoch: number, items: RenderItem[]): Promise<Float32Array> {
    const { size, channels, seed } = this.opts
    const plane = channels * size * size
    const images = new Float32Array(this.opts.batch * plane)
    const decoded = await Promise.all(items.map((item) => this.decoded(item)))
    decoded.forEach((img, b) => {
      const rng = sampleRng(seed, epoch, items[b]!.draw)
      if (this.exact) renderExact(img, size, drawExactParams(this.opts.augment, size, rng), images, b * plane, channels)
      else renderAugmented(img, size, drawAugmentParams(img, size, this.opts.fit, this.opts.augment, rng), images, b * plane, channels)
    })
    return images
  }

  private decoded(item: RenderItem): Promise<RgbImage> {
    const { size } = this.opts
    // The exact path: a full-resolution decode (no pre-shrink) so its one resize equals
    // inspection's (augment-exact.ts). The general path keeps twice the network side:
    // enough detail for crops, small enough to resample fast.
    if (this.exact) return this.cache.get(item.key, async () => resizeForTraining(await decodeRgb(await item.load(), 100_000_000, item.key), size))
    return this.cache.get(item.key, async () => decodeRgb(await item.load(), 2 * size, item.key))
  }
}
