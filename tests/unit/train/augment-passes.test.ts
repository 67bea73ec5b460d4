import { describe, expect, it } from 'vitest'
import { DEFAULT_AUGMENT, NO_AUGMENT, drawAugmentParams, renderAugmented, type AugmentConfig, type AugmentParams, type RgbImage } from '../../../electron/engine/train/augment'
import { GREY_MEAN, GREY_STD, IMAGENET_MEAN, IMAGENET_STD } from '../../../electron/imaging/preprocess'
import { createRng, sampleRng } from '../../../electron/engine/train/rng'

/**
 * renderAugmented does its work in two fused passes; this is the same transform as one pass
 * per operation over a float32 [3, S, S] buffer (the form it replaced), kept here as the
 * reference the fused form must match bit for bit.
 */
function renderPerPass(image: RgbImage, size: number, params: AugmentParams, out: Float32Array, channels: 1 | 3): void {
  const { width, height, data } = image
  const { crop, flip } = params
  const plane = size * size
  const rgb = new Float32Array(3 * plane)
  const theta = (params.angleDegrees * Math.PI) / 180
  const cos = Math.cos(theta)
  const sin = Math.sin(theta)
  const half = size / 2
  for (let v = 0; v < size; v++) {
    for (let u = 0; u < size; u++) {
      const dx = u + 0.5 - half
      const dy = v + 0.5 - half
      let cx = cos * dx - sin * dy + half
      const cy = sin * dx + cos * dy + half
      if (cx < 0 || cx >= size || cy < 0 || cy >= size) continue
      if (flip) cx = size - cx
      const sx = crop.x + cx * (crop.w / size) - 0.5
      const sy = crop.y + cy * (crop.h / size) - 0.5
      const x0 = Math.floor(sx)
      const y0 = Math.floor(sy)
      const fx = sx - x0
      const fy = sy - y0
      const cl = (x: number, n: number): number => Math.min(n - 1, Math.max(0, x))
      const at = (x: number, y: number, ch: number): number => data[(cl(y, height) * width + cl(x, width)) * 3 + ch]!
      for (let ch = 0; ch < 3; ch++) {
        rgb[ch * plane + v * size + u] =
          (at(x0, y0, ch) * (1 - fx) * (1 - fy) + at(x0 + 1, y0, ch) * fx * (1 - fy) + at(x0, y0 + 1, ch) * (1 - fx) * fy + at(x0 + 1, y0 + 1, ch) * fx * fy) / 255
      }
    }
  }
  const clamp01 = (x: number): number => Math.min(1, Math.max(0, x))
  const luma = (i: number): number => 0.2989 * rgb[i]! + 0.587 * rgb[plane + i]! + 0.114 * rgb[2 * plane + i]!
  const { jitter } = params
  for (const op of jitter.order) {
    if (op === 0 && jitter.brightness !== 1) {
      for (let i = 0; i < rgb.length; i++) rgb[i] = clamp01(rgb[i]! * jitter.brightness)
    } else if (op === 1 && jitter.contrast !== 1) {
      let sum = 0
      for (let i = 0; i < plane; i++) sum += luma(i)
      const mean = sum / plane
      for (let i = 0; i < rgb.length; i++) rgb[i] = clamp01(jitter.contrast * rgb[i]! + (1 - jitter.contrast) * mean)
    } else if (op === 2 && jitter.saturation !== 1) {
      for (let i = 0; i < plane; i++) {
        const grey = luma(i)
        for (let ch = 0; ch < 3; ch++) rgb[ch * plane + i] = clamp01(jitter.saturation * rgb[ch * plane + i]! + (1 - jitter.saturation) * grey)
      }
    }
  }
  if (channels === 1) {
    for (let i = 0; i < plane; i++) out[i] = (0.299 * rgb[i]! + 0.587 * rgb[plane + i]! + 0.114 * rgb[2 * plane + i]! - GREY_MEAN) * (1 / GREY_STD)
    return
  }
  for (let ch = 0; ch < 3; ch++) for (let i = 0; i < plane; i++) out[ch * plane + i] = (rgb[ch * plane + i]! - IMAGENET_MEAN[ch]!) * (1 / IMAGENET_STD[ch]!)
}

/** A textured image (noise over a gradient) so every resample and clamp shows in the output. */
function texturedImage(width: number, height: number, grey: boolean, seed: number): RgbImage {
  const rng = createRng(seed)
  const data = new Uint8Array(width * height * 3)
  for (let p = 0; p < width * height; p++) {
    const base = ((p % width) * 200) / width + rng.next() * 55
    for (let ch = 0; ch < 3; ch++) data[p * 3 + ch] = Math.round(grey ? base : ch === 1 ? 255 - base : base * rng.next())
  }
  return { width, height, data }
}

describe('renderAugmented (two fused passes)', () => {
  const cases: { name: string; image: RgbImage; size: number; config: AugmentConfig; fit: 'crop' | 'whole' }[] = [
    { name: 'colour, default augmentation, whole', image: texturedImage(61, 47, false, 1), size: 32, config: DEFAULT_AUGMENT, fit: 'whole' },
    { name: 'grey, default augmentation, crop', image: texturedImage(45, 77, true, 2), size: 29, config: DEFAULT_AUGMENT, fit: 'crop' },
    { name: 'strong jitter and rotation', image: texturedImage(50, 50, false, 3), size: 24, config: { ...DEFAULT_AUGMENT, rotationDegrees: 40, brightness: 0.9, contrast: 0.9, saturation: 0.9 }, fit: 'whole' },
    { name: 'contrast only', image: texturedImage(40, 33, false, 4), size: 21, config: { ...NO_AUGMENT, contrast: 0.5 }, fit: 'whole' },
    { name: 'no augmentation', image: texturedImage(33, 40, false, 5), size: 20, config: NO_AUGMENT, fit: 'crop' }
  ]
  for (const c of cases) {
    for (const channels of [3, 1] as const) {
      it(`equals one pass per operation bit for bit: ${c.name}, ${channels} channel(s)`, () => {
        const plane = channels * c.size * c.size
        for (let index = 0; index < 24; index++) {
          const params = drawAugmentParams(c.image, c.size, c.fit, c.config, sampleRng(9, 2, index))
          const fused = new Float32Array(plane + 5).fill(7)
          renderAugmented(c.image, c.size, params, fused, 5, channels)
          const reference = new Float32Array(plane)
          renderPerPass(c.image, c.size, params, reference, channels)
          expect(fused.subarray(0, 5)).toEqual(new Float32Array(5).fill(7)) // nothing written before offset
          expect(fused.subarray(5)).toEqual(reference)
        }
      })
    }
  }

  it('draws every jitter order, so the split around contrast is exercised', () => {
    const orders = new Set<string>()
    const image = texturedImage(20, 20, false, 6)
    for (let index = 0; index < 200; index++) orders.add(drawAugmentParams(image, 16, 'whole', DEFAULT_AUGMENT, sampleRng(9, 2, index)).jitter.order.join(''))
    expect(orders.size).toBe(6)
  })
})
