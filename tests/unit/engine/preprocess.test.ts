import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import { readSafetensors } from '../../../electron/engine/models/safetensors'
import { IMAGENET_MEAN, IMAGENET_STD, PreprocessError, preprocessImage, resizeBilinear, shorterSideTo } from '../../../electron/imaging/preprocess'

const dir = join(__dirname, '../../fixtures/preprocess')

interface Case {
  image: string
  size: number
  fit: 'crop' | 'whole'
  roi?: { x: number; y: number; w: number; h: number }
  width: number
  height: number
  tensor: string
}

// Tolerance: our pipeline reproduces torchvision's uint8 results exactly (a port of
// Pillow's resampler), so tensors differ only by float rounding of (x/255 − mean)/std.
// One 8-bit level would be 1/255/0.225 ≈ 0.0174; we require far less than that.
const TOLERANCE = 1e-5

describe('preprocessImage matches torchvision (scripts/fixtures/make_preprocess_fixture.py)', () => {
  const { cases } = JSON.parse(readFileSync(join(dir, 'cases.json'), 'utf8')) as { cases: Case[] }
  const expected = readSafetensors(readFileSync(join(dir, 'expected.safetensors')))

  for (const c of cases) {
    it(`${c.image} fit=${c.fit} size=${c.size}${c.roi ? ' roi' : ''}`, async () => {
      const r = await preprocessImage(join(dir, c.image), { size: c.size, fit: c.fit, roi: c.roi })
      const e = expected.get(c.tensor)!
      expect(e.shape).toEqual([3, c.size, c.size])
      expect(r.width).toBe(c.width)
      expect(r.height).toBe(c.height)
      let max = 0
      for (let i = 0; i < e.data.length; i++) max = Math.max(max, Math.abs(e.data[i]! - r.tensor[i]!))
      expect(max).toBeLessThan(TOLERANCE)
    })
  }
})

describe('preprocessImage details', () => {
  it('greyscale gives three equal channels; alpha is dropped like PIL convert("RGB")', async () => {
    const grey = await preprocessImage(join(dir, 'grey-50x80.png'), { size: 32, fit: 'whole' })
    const n = 32 * 32
    for (const i of [0, 100, 777]) {
      const v = grey.tensor[i]! * IMAGENET_STD[0] + IMAGENET_MEAN[0]
      expect(grey.tensor[n + i]! * IMAGENET_STD[1] + IMAGENET_MEAN[1]).toBeCloseTo(v, 5)
      expect(grey.tensor[2 * n + i]! * IMAGENET_STD[2] + IMAGENET_MEAN[2]).toBeCloseTo(v, 5)
    }
    // A fully transparent red pixel stays red (no compositing on white or black).
    const png = await sharp(Buffer.from([255, 0, 0, 0]), { raw: { width: 1, height: 1, channels: 4 } }).png().toBuffer()
    const t = (await preprocessImage(png, { size: 8, fit: 'whole' })).tensor
    expect(t[0]! * IMAGENET_STD[0] + IMAGENET_MEAN[0]).toBeCloseTo(1, 5)
    expect(t[64]! * IMAGENET_STD[1] + IMAGENET_MEAN[1]).toBeCloseTo(0, 5)
  })

  it('reports where the network input lies in the original image', async () => {
    const crop = await preprocessImage(join(dir, 'large-300x200.png'), { size: 56, fit: 'crop' })
    // shorter side 200 -> 64, longer 300 -> 96; crop 56 at (20, 4) in resized pixels
    expect(shorterSideTo(300, 200, 64)).toEqual([96, 64])
    expect(crop.region.x).toBeCloseTo(20 * (300 / 96), 6)
    expect(crop.region.y).toBeCloseTo(4 * (200 / 64), 6)
    expect(crop.region.w).toBeCloseTo(56 * (300 / 96), 6)
    const roi = await preprocessImage(join(dir, 'large-300x200.png'), { size: 48, fit: 'whole', roi: { x: 40, y: 30, w: 150, h: 120 } })
    expect(roi.region).toEqual({ x: 40, y: 30, w: 150, h: 120 })
  })

  it('resizing a constant image keeps it constant; identity size is a copy', () => {
    const img = { data: new Uint8Array(10 * 7 * 3).fill(77), width: 10, height: 7 }
    const r = resizeBilinear(img, 3, 5)
    expect(r.data.every((v) => v === 77)).toBe(true)
    const same = resizeBilinear(img, 10, 7)
    expect(same.data).toEqual(img.data)
    expect(same.data).not.toBe(img.data)
  })

  it('rejects undecodable input, bad sizes and an ROI outside the image with named errors', async () => {
    await expect(preprocessImage(Buffer.from('not an image'), { size: 32, fit: 'whole' })).rejects.toThrow(PreprocessError)
    await expect(preprocessImage(join(dir, 'missing.png'), { size: 32, fit: 'whole' })).rejects.toThrow(/missing\.png: cannot decode/)
    await expect(preprocessImage(join(dir, 'grey-50x80.png'), { size: 3, fit: 'crop' })).rejects.toThrow(/input size 3 is invalid/)
    await expect(preprocessImage(join(dir, 'grey-50x80.png'), { size: 32, fit: 'whole', roi: { x: 60, y: 0, w: 10, h: 10 } })).rejects.toThrow(/region of interest .* lies outside the 50×80 image/)
  })
})
