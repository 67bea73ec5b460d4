import { truncatedFormat, truncatedReason } from './truncation'
import sharp from 'sharp'

/**
 * Turning an image into the network's input, matching torchvision's evaluation transform
 * as used with the default PIL loader (torchvision.datasets.folder.pil_loader):
 *
 *   PIL: Image.open(f).convert('RGB')             here: sharp decode, toColourspace('srgb'), removeAlpha()
 *        (greyscale -> 3 equal channels; alpha           greyscale -> 3 equal channels; alpha is
 *         is dropped, not composited)                    dropped too, so a transparent PNG gives the same
 *                                                        tensor as in PyTorch. EXIF orientation is applied
 *                                                        (ImageOps.exif_transpose in the fixture script):
 *                                                        camera photos are shown and labelled upright.
 *                                                        16-bit images are scaled to 8 bits (PIL would
 *                                                        clip them); CMYK is converted to sRGB.
 *   T.Resize(S*256/224)  bilinear, antialias      resizeBilinear(): PIL's separable triangle filter,
 *                                                        support scaled by the reduction factor (that is
 *                                                        PIL's "antialias"), 8-bit rounding after each
 *                                                        pass, exactly as Pillow's ImagingResample.
 *   T.CenterCrop(S)                                 extract at round((h - S) / 2), round((w - S) / 2)
 *   T.ToTensor()                                    / 255, HWC -> CHW
 *   T.Normalize(mean, std)                          (x - mean) / std, ImageNet statistics
 *
 * fit 'whole' (docs/decisions.md, Images; the inspection default) = T.Resize((S, S)): the whole image, or the
 * region of interest, squeezed to S×S so defects near the edges are seen.
 * The resize is done in JavaScript rather than with sharp's 'linear' kernel: libvips'
 * reduce differs from Pillow by up to 6 levels (mean 0.29) on a 300×200 → 96×64 resize,
 * while this port of Pillow's code reproduces torchvision's tensors to float rounding
 * (≤ 1e-5; tests/unit/engine/preprocess.test.ts). sharp still decodes, orients, converts.
 */

export const IMAGENET_MEAN = [0.485, 0.456, 0.406] as const
export const IMAGENET_STD = [0.229, 0.224, 0.225] as const

export type Fit = 'crop' | 'whole'
export interface Roi {
  x: number
  y: number
  w: number
  h: number
}
export interface PreprocessOptions {
  size: number
  fit: Fit
  roi?: Roi
}

/** The rectangle of the original (upright) image that the S×S network input shows. */
export interface InputRegion {
  x: number
  y: number
  w: number
  h: number
}

export class PreprocessError extends Error {
  constructor(
    readonly source: string,
    reason: string
  ) {
    super(`${source}: ${reason}`)
    this.name = 'PreprocessError'
  }
}

/** Decoded upright 8-bit RGB pixels. */
export interface RgbImage {
  // data: [H, W, 3] uint8, row-major
  data: Uint8Array
  width: number
  height: number
}

/** Decode to upright 8-bit RGB (EXIF orientation applied, greyscale expanded, alpha dropped). */
export async function decodeRgb(input: string | Buffer): Promise<RgbImage> {
  const label = typeof input === 'string' ? input : 'image'
  try {
    const { data, info } = await sharp(input, { failOn: 'error' }).rotate().toColourspace('srgb').removeAlpha().raw().toBuffer({ resolveWithObject: true })
    if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels`)
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height }
  } catch (error) {
    const cut = typeof input === 'string' ? null : truncatedFormat(input)
    if (cut) throw new PreprocessError(label, truncatedReason(cut))
    throw new PreprocessError(label, `cannot decode the image (${(error as Error).message.split('\n')[0]}). Use a PNG, JPEG, TIFF, WebP or BMP file that opens in an image viewer.`)
  }
}

/** Preprocess one image into an ImageNet-normalised [3,S,S] tensor (see the mapping above). */
export async function preprocessImage(
  input: string | Buffer,
  opts: PreprocessOptions
): Promise<{ tensor: Float32Array; width: number; height: number; region: InputRegion }> {
  const img = await decodeRgb(input)
  return { ...preprocessRgb(img, opts, typeof input === 'string' ? input : 'image'), width: img.width, height: img.height }
}

/** Same as preprocessImage, on already decoded pixels (camera frames, cached decodes). */
export function preprocessRgb(img: RgbImage, opts: PreprocessOptions, label = 'image'): { tensor: Float32Array; region: InputRegion } {
  const S = opts.size
  if (!Number.isInteger(S) || S < 8 || S > 4096) throw new PreprocessError(label, `input size ${S} is invalid; use an integer from 8 to 4096 (224 is standard).`)
  let src = img
  let offX = 0
  let offY = 0
  if (opts.roi) {
    const r = clampRoi(opts.roi, img, label)
    src = cropRgb(img, r.x, r.y, r.w, r.h)
    offX = r.x
    offY = r.y
  }
  let out: RgbImage
  let region: InputRegion
  if (opts.fit === 'whole') {
    out = resizeBilinear(src, S, S)
    region = { x: offX, y: offY, w: src.width, h: src.height }
  } else {
    // torchvision Resize(int): shorter side -> size, longer side -> int(size * long / short).
    const resizeTo = Math.floor((S * 256) / 224)
    const [rw, rh] = shorterSideTo(src.width, src.height, resizeTo)
    const resized = resizeBilinear(src, rw, rh)
    if (rw < S || rh < S) throw new PreprocessError(label, `resized image ${rw}×${rh} is smaller than the crop ${S}.`)
    // torchvision CenterCrop: top = int(round((h - S) / 2.0)), Python's round is half-to-even.
    const top = roundHalfEven((rh - S) / 2)
    const left = roundHalfEven((rw - S) / 2)
    out = cropRgb(resized, left, top, S, S)
    const sx = src.width / rw
    const sy = src.height / rh
    region = { x: offX + left * sx, y: offY + top * sy, w: S * sx, h: S * sy }
  }
  return { tensor: toNormalisedChw(out), region }
}

function clampRoi(roi: Roi, img: RgbImage, label: string): Roi {
  const x = Math.max(0, Math.round(roi.x))
  const y = Math.max(0, Math.round(roi.y))
  const w = Math.min(img.width - x, Math.round(roi.w))
  const h = Math.min(img.height - y, Math.round(roi.h))
  if (!(w >= 1 && h >= 1)) throw new PreprocessError(label, `region of interest ${JSON.stringify(roi)} lies outside the ${img.width}×${img.height} image; redraw it in the project settings.`)
  return { x, y, w, h }
}

export function shorterSideTo(w: number, h: number, size: number): [number, number] {
  if (w <= h) return [size, Math.floor((size * h) / w)]
  return [Math.floor((size * w) / h), size]
}

function roundHalfEven(v: number): number {
  const f = Math.floor(v)
  const d = v - f
  if (d > 0.5) return f + 1
  if (d < 0.5) return f
  return f % 2 === 0 ? f : f + 1
}

export function cropRgb(img: RgbImage, x: number, y: number, w: number, h: number): RgbImage {
  const data = new Uint8Array(w * h * 3)
  for (let r = 0; r < h; r++) {
    const from = ((y + r) * img.width + x) * 3
    data.set(img.data.subarray(from, from + w * 3), r * w * 3)
  }
  return { data, width: w, height: h }
}

/** HWC uint8 -> CHW float32, /255 then (x - mean) / std. */
function toNormalisedChw(img: RgbImage): Float32Array {
  const n = img.width * img.height
  // tensor: [3, S, S] float32, ImageNet-normalised
  const out = new Float32Array(3 * n)
  for (let c = 0; c < 3; c++) {
    const mean = IMAGENET_MEAN[c]!
    const std = IMAGENET_STD[c]!
    const base = c * n
    for (let i = 0; i < n; i++) out[base + i] = (img.data[i * 3 + c]! / 255 - mean) / std
  }
  return out
}

// ---- Pillow's bilinear resample (libImaging/Resample.c), 8-bit path ----------------------

const PRECISION_BITS = 32 - 8 - 2

interface Coefficients {
  bounds: Int32Array // [outSize * 2]: first input index, count
  kk: Int32Array // [outSize * ksize] fixed-point weights
  ksize: number
}

/** Pillow precompute_coeffs for the triangle ("bilinear") filter, support 1. */
function precomputeCoeffs(inSize: number, outSize: number): Coefficients {
  const scale = inSize / outSize
  const filterscale = Math.max(scale, 1)
  const support = 1 * filterscale
  const ksize = Math.ceil(support) * 2 + 1
  const bounds = new Int32Array(outSize * 2)
  const kk = new Int32Array(outSize * ksize)
  const w = new Float64Array(ksize)
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale
    const ss = 1 / filterscale
    let xmin = Math.trunc(center - support + 0.5)
    if (xmin < 0) xmin = 0
    let xmax = Math.trunc(center + support + 0.5)
    if (xmax > inSize) xmax = inSize
    xmax -= xmin
    let total = 0
    for (let x = 0; x < xmax; x++) {
      const t = Math.abs((x + xmin - center + 0.5) * ss)
      const v = t < 1 ? 1 - t : 0
      w[x] = v
      total += v
    }
    for (let x = 0; x < ksize; x++) {
      const v = x < xmax && total !== 0 ? w[x]! / total : 0
      // normalize_coeffs_8bpc: round half away from zero into fixed point
      kk[xx * ksize + x] = v < 0 ? Math.trunc(-0.5 + v * (1 << PRECISION_BITS)) : Math.trunc(0.5 + v * (1 << PRECISION_BITS))
    }
    bounds[xx * 2] = xmin
    bounds[xx * 2 + 1] = xmax
  }
  return { bounds, kk, ksize }
}

function clip8(v: number): number {
  const s = Math.floor(v / (1 << PRECISION_BITS))
  return s < 0 ? 0 : s > 255 ? 255 : s
}

/**
 * Resize like PIL's Image.resize(size, BILINEAR): horizontal pass, then vertical, each
 * rounded to 8 bits (Pillow skips a pass whose size does not change).
 */
export function resizeBilinear(img: RgbImage, outW: number, outH: number): RgbImage {
  let cur = img
  if (outW !== cur.width) cur = resampleHorizontal(cur, outW)
  if (outH !== cur.height) cur = resampleVertical(cur, outH)
  return cur === img ? { data: img.data.slice(), width: img.width, height: img.height } : cur
}

function resampleHorizontal(img: RgbImage, outW: number): RgbImage {
  const { bounds, kk, ksize } = precomputeCoeffs(img.width, outW)
  const out = new Uint8Array(outW * img.height * 3)
  const half = 1 << (PRECISION_BITS - 1)
  for (let y = 0; y < img.height; y++) {
    const row = y * img.width * 3
    for (let xx = 0; xx < outW; xx++) {
      const xmin = bounds[xx * 2]!
      const xmax = bounds[xx * 2 + 1]!
      const k = xx * ksize
      let s0 = half
      let s1 = half
      let s2 = half
      for (let x = 0; x < xmax; x++) {
        const p = row + (x + xmin) * 3
        const wgt = kk[k + x]!
        s0 += img.data[p]! * wgt
        s1 += img.data[p + 1]! * wgt
        s2 += img.data[p + 2]! * wgt
      }
      const o = (y * outW + xx) * 3
      out[o] = clip8(s0)
      out[o + 1] = clip8(s1)
      out[o + 2] = clip8(s2)
    }
  }
  return { data: out, width: outW, height: img.height }
}

function resampleVertical(img: RgbImage, outH: number): RgbImage {
  const { bounds, kk, ksize } = precomputeCoeffs(img.height, outH)
  const W = img.width
  const out = new Uint8Array(W * outH * 3)
  const half = 1 << (PRECISION_BITS - 1)
  for (let yy = 0; yy < outH; yy++) {
    const ymin = bounds[yy * 2]!
    const ymax = bounds[yy * 2 + 1]!
    const k = yy * ksize
    for (let x = 0; x < W; x++) {
      let s0 = half
      let s1 = half
      let s2 = half
      for (let y = 0; y < ymax; y++) {
        const p = ((y + ymin) * W + x) * 3
        const wgt = kk[k + y]!
        s0 += img.data[p]! * wgt
        s1 += img.data[p + 1]! * wgt
        s2 += img.data[p + 2]! * wgt
      }
      const o = (yy * W + x) * 3
      out[o] = clip8(s0)
      out[o + 1] = clip8(s1)
      out[o + 2] = clip8(s2)
    }
  }
  return { data: out, width: W, height: outH }
}
