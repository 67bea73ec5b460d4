import { describe, expect, it } from 'vitest'
import {
  DEFAULT_AUGMENT,
  NO_AUGMENT,
  drawAugmentParams,
  fitRect,
  randomResizedCropParams,
  renderAugmented,
  type RgbImage
} from '../../../electron/engine/train/augment'
import { IMAGENET_MEAN, IMAGENET_STD } from '../../../electron/imaging/preprocess'
import { createRng, epochPermutation, sampleRng } from '../../../electron/engine/train/rng'

function gradientImage(width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3)
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3
      data[i] = Math.round((255 * x) / (width - 1))
      data[i + 1] = Math.round((255 * y) / (height - 1))
      data[i + 2] = 128
    }
  }
  return { width, height, data }
}

function render(img: RgbImage, seed: number, epoch: number, index: number, cfg = DEFAULT_AUGMENT, fit: 'crop' | 'whole' = 'whole'): Float32Array {
  const out = new Float32Array(3 * 32 * 32)
  renderAugmented(img, 32, drawAugmentParams(img, 32, fit, cfg, sampleRng(seed, epoch, index)), out)
  return out
}

describe('augmentation', () => {
  const img = gradientImage(48, 40)

  it('is a pure function of (seed, epoch, index)', () => {
    expect(render(img, 7, 3, 11)).toEqual(render(img, 7, 3, 11))
    expect(render(img, 7, 3, 11)).not.toEqual(render(img, 7, 4, 11))
    expect(render(img, 7, 3, 11)).not.toEqual(render(img, 7, 3, 12))
    expect(render(img, 8, 3, 11)).not.toEqual(render(img, 7, 3, 11))
  })

  it('epoch permutations depend only on (seed, epoch)', () => {
    const p = epochPermutation(50, 1, 2)
    expect(p).toEqual(epochPermutation(50, 1, 2))
    expect(p).not.toEqual(epochPermutation(50, 1, 3))
    expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i))
  })

  it('without augmentation, whole fit shows the whole image normalised', () => {
    const out = render(img, 1, 0, 0, NO_AUGMENT, 'whole')
    const plane = 32 * 32
    // Top-left pixel is dark red channel, bottom-right bright; blue is constant 128.
    const red = (x: number, y: number) => out[y * 32 + x]! * IMAGENET_STD[0] + IMAGENET_MEAN[0]
    expect(red(0, 0)).toBeLessThan(0.05)
    expect(red(31, 31)).toBeGreaterThan(0.95)
    const blue = out[2 * plane + 100]! * IMAGENET_STD[2] + IMAGENET_MEAN[2]
    expect(blue).toBeCloseTo(128 / 255, 4)
  })

  it('crop fit without augmentation is the centre crop of side short·224/256', () => {
    expect(fitRect(100, 80, 'crop')).toEqual({ x: 15, y: 5, w: 70, h: 70 })
  })

  it('random resized crops stay inside the image with area 8–100 % (torchvision get_params)', () => {
    const rng = createRng(3)
    for (let i = 0; i < 500; i++) {
      const c = randomResizedCropParams(120, 80, [0.08, 1], [3 / 4, 4 / 3], rng)
      expect(c.x).toBeGreaterThanOrEqual(0)
      expect(c.y).toBeGreaterThanOrEqual(0)
      expect(c.x + c.w).toBeLessThanOrEqual(120)
      expect(c.y + c.h).toBeLessThanOrEqual(80)
      const frac = (c.w * c.h) / (120 * 80)
      expect(frac).toBeGreaterThan(0.06)
      expect(frac).toBeLessThanOrEqual(1)
    }
  })

  it('each augmentation can be switched off on its own', () => {
    const flipOnly = { ...NO_AUGMENT, horizontalFlip: true }
    const flips = new Set<boolean>()
    for (let i = 0; i < 20; i++) {
      const p = drawAugmentParams(img, 32, 'whole', flipOnly, sampleRng(1, 0, i))
      flips.add(p.flip)
      expect(p.angleDegrees).toBe(0)
      expect(p.jitter.brightness).toBe(1)
      expect(p.crop).toEqual({ x: 0, y: 0, w: 48, h: 40 })
    }
    expect(flips).toEqual(new Set([true, false]))
    // A flipped render mirrors the unflipped one.
    const a = new Float32Array(3 * 32 * 32)
    const b = new Float32Array(3 * 32 * 32)
    const base = drawAugmentParams(img, 32, 'whole', NO_AUGMENT, sampleRng(1, 0, 0))
    renderAugmented(img, 32, base, a)
    renderAugmented(img, 32, { ...base, flip: true }, b)
    expect(b[5]).toBeCloseTo(a[31 - 5]!, 5)
  })

  it('rotation and jitter stay within their ranges', () => {
    for (let i = 0; i < 200; i++) {
      const p = drawAugmentParams(img, 32, 'crop', DEFAULT_AUGMENT, sampleRng(2, 1, i))
      expect(Math.abs(p.angleDegrees)).toBeLessThanOrEqual(15)
      for (const f of [p.jitter.brightness, p.jitter.contrast, p.jitter.saturation]) {
        expect(f).toBeGreaterThanOrEqual(0.8)
        expect(f).toBeLessThanOrEqual(1.2)
      }
      expect([...p.jitter.order].sort()).toEqual([0, 1, 2])
    }
  })
})
