import sharp from 'sharp'
import { withDecodeSlot } from '../../imaging/decode-slots'
import type { RgbImage } from './augment'

/** Decoding training images, and the cache that keeps them decoded across epochs. */

export class ImageDecodeForTrainingError extends Error {
  constructor(
    readonly key: string,
    readonly reason: string
  ) {
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
  /** `onChange`: told when a decode is kept (true) and when a kept one is evicted (false). */
  constructor(
    private readonly maxBytes: number,
    private readonly onChange?: (key: string, kept: boolean) => void
  ) {}

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
        this.onChange?.(key, true)
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
      this.onChange?.(key, false)
    }
  }
}
