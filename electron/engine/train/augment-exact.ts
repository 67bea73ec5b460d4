import { GREY_MEAN, GREY_STD, IMAGENET_MEAN, IMAGENET_STD, lumaOf, resizeBilinear, type Channels, type RgbImage } from '../../imaging/preprocess'
import type { AugmentConfig } from './augment'
import type { Rng } from './rng'

/**
 * The whole-image training path for tiny defects: the image is resized exactly as
 * inspection resizes it (imaging/preprocess.ts, PIL's antialiased bilinear), once, and each
 * sample is then one of the eight symmetries of the square (flips, transposition), moved
 * by a whole number of pixels (optional), plus optional brightness/contrast jitter. No
 * resampling after the resize, so a defect one pixel wide has the same contrast in
 * training as on the line; the general path
 * (augment.ts) samples bilinearly without antialiasing, which on a 1.5× downscale shows
 * thin lines at up to 1.5× the contrast inspection sees.
 *
 * Used when the geometry is deterministic: fit 'whole', no random crop, no free rotation.
 */

export function usesExactPath(config: AugmentConfig, fit: 'whole' | 'crop'): boolean {
  return fit === 'whole' && !config.randomResizedCrop && config.rotationDegrees === 0
}

export interface ExactParams {
  flipX: boolean
  flipY: boolean
  transpose: boolean
  brightness: number
  contrast: number
  /** Translation in whole pixels after the symmetry (augment.ts `shift`; 0 = none), mirrored at the edges. */
  shiftX: number
  shiftY: number
}

/**
 * Draw one sample's symmetry, jitter and shift from its stream (fixed order; the shift is
 * drawn last, so recipes without one see the same streams as before it existed).
 */
export function drawExactParams(config: AugmentConfig, size: number, rng: Rng): ExactParams {
  const flipX = config.horizontalFlip ? rng.next() < 0.5 : false
  const flipY = config.verticalFlip ? rng.next() < 0.5 : false
  const transpose = config.rotate90 ? rng.next() < 0.5 : false
  const factor = (amount: number): number => (amount > 0 ? rng.uniform(Math.max(0, 1 - amount), 1 + amount) : 1)
  const brightness = factor(config.brightness)
  const contrast = factor(config.contrast)
  const most = maxShiftPixels(config, size)
  const offset = (): number => (most > 0 ? Math.floor(rng.next() * (2 * most + 1)) - most : 0)
  const shiftX = offset()
  const shiftY = offset()
  return { flipX, flipY, transpose, brightness, contrast, shiftX, shiftY }
}

/** The largest translation in pixels at side `size` (at least 1 px when a shift is asked for). */
export function maxShiftPixels(config: AugmentConfig, size: number): number {
  const share = config.shift ?? 0
  return share > 0 ? Math.max(1, Math.round(share * size)) : 0
}

/** The pixel (y · S + x) of the S×S source that the sample's pixel (u, v) shows under its symmetry and shift. */
function sourcePixel(u: number, v: number, size: number, p: ExactParams): number {
  let x = p.flipX ? size - 1 - u : u
  let y = p.flipY ? size - 1 - v : v
  if (p.shiftX) x = mirror(x - p.shiftX, size)
  if (p.shiftY) y = mirror(y - p.shiftY, size)
  if (p.transpose) [x, y] = [y, x]
  return y * size + x
}

/** Mirror padding (the edge pixel repeated once, then the image reflected): no hard seam a network could take for a scratch. */
function mirror(i: number, size: number): number {
  if (i < 0) return -i - 1
  if (i >= size) return 2 * size - 1 - i
  return i
}

/** The inspection resize of one decoded image to S×S (cache it: it is the same every epoch). */
export function resizeForTraining(img: RgbImage, size: number): RgbImage {
  return resizeBilinear(img, size, size)
}

/**
 * Write one sample [3, S, S] (ImageNet-normalised) from an S×S image at `offset`; with
 * `channels` 1, one plane [1, S, S]: the pixel's luma (lumaOf, as inspection turns an image
 * grey after the same resize), jittered, normalised with GREY_MEAN / GREY_STD.
 */
export function renderExact(resized: RgbImage, size: number, p: ExactParams, out: Float32Array, offset = 0, channels: Channels = 3): void {
  if (channels === 1) return renderExactGrey(resized, size, p, out, offset)
  const plane = size * size
  const src = resized.data
  let mean = 0
  if (p.contrast !== 1) {
    // torchvision adjust_contrast blends with the mean grey of the image.
    for (let i = 0; i < plane; i++) mean += 0.2989 * src[i * 3]! + 0.587 * src[i * 3 + 1]! + 0.114 * src[i * 3 + 2]!
    mean /= plane * 255
  }
  for (let v = 0; v < size; v++) {
    for (let u = 0; u < size; u++) {
      const s = sourcePixel(u, v, size, p) * 3
      const o = v * size + u
      for (let ch = 0; ch < 3; ch++) {
        let value = src[s + ch]! / 255
        if (p.brightness !== 1) value = Math.min(1, value * p.brightness)
        if (p.contrast !== 1) value = Math.min(1, Math.max(0, p.contrast * value + (1 - p.contrast) * mean))
        out[offset + ch * plane + o] = (value - IMAGENET_MEAN[ch]!) / IMAGENET_STD[ch]!
      }
    }
  }
}

/** renderExact for a one-channel model: [1, S, S] at `offset`. */
function renderExactGrey(resized: RgbImage, size: number, p: ExactParams, out: Float32Array, offset: number): void {
  const plane = size * size
  const src = resized.data
  // grey: [S, S] luma values 0..255 of the resized image
  const grey = new Uint8Array(plane)
  let mean = 0
  for (let i = 0; i < plane; i++) {
    grey[i] = lumaOf(src[i * 3]!, src[i * 3 + 1]!, src[i * 3 + 2]!)
    mean += grey[i]!
  }
  // torchvision adjust_contrast on a grey image blends with its mean.
  mean /= plane * 255
  for (let v = 0; v < size; v++) {
    for (let u = 0; u < size; u++) {
      let value = grey[sourcePixel(u, v, size, p)]! / 255
      if (p.brightness !== 1) value = Math.min(1, value * p.brightness)
      if (p.contrast !== 1) value = Math.min(1, Math.max(0, p.contrast * value + (1 - p.contrast) * mean))
      out[offset + v * size + u] = (value - GREY_MEAN) / GREY_STD
    }
  }
}
