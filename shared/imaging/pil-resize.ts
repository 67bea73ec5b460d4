/**
 * Pillow's bilinear resample (libImaging/Resample.c, 8-bit path), bit for bit: what
 * torchvision's T.Resize does to a PIL image, so our tensors equal PyTorch's
 * (tests/unit/engine/preprocess.test.ts). Separable: a horizontal pass, then a vertical one,
 * each rounded to 8 bits (Pillow skips a pass whose size does not change).
 *
 * Written for the live path, where it runs on every camera frame (640×480 → the model's
 * size): the filter weights of each (input size, output size) pair are computed once and
 * kept; the horizontal pass's output goes to a reused scratch buffer; a 4-channel input
 * (RGBA camera frames) is read a pixel per 32-bit load and its alpha is ignored, as
 * PIL's convert('RGB') drops it. The output is always RGB.
 */

/** 8-bit pixels, row-major: [H, W, channels]; channels 3 (RGB) unless 4 (RGBA, alpha ignored). */
export interface PixelImage {
  data: Uint8Array
  width: number
  height: number
  channels?: 3 | 4
}

const PRECISION_BITS = 32 - 8 - 2
const HALF = 1 << (PRECISION_BITS - 1)

interface Coefficients {
  /** [outSize * 2]: first input index, count */
  bounds: Int32Array
  /** [outSize * ksize]: fixed-point weights */
  kk: Int32Array
  ksize: number
}

const coefficientCache = new Map<number, Coefficients>()
/** Sizes seen by one process are few (a camera, a model size or two); the cache is capped anyway. */
const MAX_CACHED = 64

function coefficients(inSize: number, outSize: number): Coefficients {
  const key = inSize * 65536 + outSize
  let c = coefficientCache.get(key)
  if (!c) {
    if (coefficientCache.size >= MAX_CACHED) coefficientCache.clear()
    c = precomputeCoeffs(inSize, outSize)
    coefficientCache.set(key, c)
  }
  return c
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

/** Fixed point back to 8 bits, clipped (Pillow's clip8). */
function clip8(v: number): number {
  const s = v >> PRECISION_BITS
  return s < 0 ? 0 : s > 255 ? 255 : s
}

let scratch = new Uint8Array(0)
function scratchOf(bytes: number): Uint8Array {
  if (scratch.byteLength < bytes) scratch = new Uint8Array(bytes)
  return scratch.byteLength === bytes ? scratch : scratch.subarray(0, bytes)
}

/** Resize like PIL's Image.resize(size, BILINEAR) of the image converted to RGB; returns RGB. */
export function resizeBilinear(img: PixelImage, outW: number, outH: number): PixelImage & { channels: 3 } {
  const channels = img.channels ?? 3
  const horizontal = outW !== img.width
  const vertical = outH !== img.height
  if (!horizontal && !vertical) return { data: toRgb(img), width: img.width, height: img.height, channels: 3 }
  if (!horizontal) return { data: resampleVertical(toRgb(img), img.width, img.height, outH), width: outW, height: outH, channels: 3 }
  // The horizontal pass's output is only read by the vertical pass: it goes to scratch.
  const mid = resampleHorizontal(img.data, img.width, img.height, channels, outW, vertical ? scratchOf(outW * img.height * 3) : new Uint8Array(outW * img.height * 3))
  if (!vertical) return { data: mid, width: outW, height: outH, channels: 3 }
  return { data: resampleVertical(mid, outW, img.height, outH), width: outW, height: outH, channels: 3 }
}

/** A copy of the pixels as RGB (alpha dropped). */
export function toRgb(img: PixelImage): Uint8Array {
  if ((img.channels ?? 3) === 3) return img.data.slice(0, img.width * img.height * 3)
  const n = img.width * img.height
  const out = new Uint8Array(n * 3)
  const src = img.data
  for (let i = 0, o = 0, p = 0; i < n; i++, o += 3, p += 4) {
    out[o] = src[p]!
    out[o + 1] = src[p + 1]!
    out[o + 2] = src[p + 2]!
  }
  return out
}

function resampleHorizontal(src: Uint8Array, width: number, height: number, channels: 3 | 4, outW: number, out: Uint8Array): Uint8Array {
  const { bounds, kk, ksize } = coefficients(width, outW)
  if (channels === 4 && src.byteOffset % 4 === 0) {
    // One 32-bit load per pixel (little-endian: R is the low byte).
    const px = new Uint32Array(src.buffer, src.byteOffset, width * height)
    for (let y = 0; y < height; y++) {
      const row = y * width
      let o = y * outW * 3
      for (let xx = 0; xx < outW; xx++) {
        const xmin = bounds[xx * 2]!
        const xmax = bounds[xx * 2 + 1]!
        const k = xx * ksize
        let s0 = HALF
        let s1 = HALF
        let s2 = HALF
        for (let x = 0; x < xmax; x++) {
          const p = px[row + xmin + x]!
          const w = kk[k + x]!
          s0 += (p & 255) * w
          s1 += ((p >>> 8) & 255) * w
          s2 += ((p >>> 16) & 255) * w
        }
        out[o++] = clip8(s0)
        out[o++] = clip8(s1)
        out[o++] = clip8(s2)
      }
    }
    return out
  }
  for (let y = 0; y < height; y++) {
    const row = y * width * channels
    let o = y * outW * 3
    for (let xx = 0; xx < outW; xx++) {
      const xmin = bounds[xx * 2]!
      const xmax = bounds[xx * 2 + 1]!
      const k = xx * ksize
      let s0 = HALF
      let s1 = HALF
      let s2 = HALF
      let p = row + xmin * channels
      for (let x = 0; x < xmax; x++, p += channels) {
        const w = kk[k + x]!
        s0 += src[p]! * w
        s1 += src[p + 1]! * w
        s2 += src[p + 2]! * w
      }
      out[o++] = clip8(s0)
      out[o++] = clip8(s1)
      out[o++] = clip8(s2)
    }
  }
  return out
}

/** Vertical pass on RGB rows of `width` pixels. */
function resampleVertical(src: Uint8Array, width: number, height: number, outH: number): Uint8Array {
  const { bounds, kk, ksize } = coefficients(height, outH)
  const stride = width * 3
  const out = new Uint8Array(stride * outH)
  for (let yy = 0; yy < outH; yy++) {
    const ymin = bounds[yy * 2]!
    const ymax = bounds[yy * 2 + 1]!
    const k = yy * ksize
    const o = yy * stride
    for (let i = 0; i < stride; i++) {
      let s = HALF
      let p = ymin * stride + i
      for (let y = 0; y < ymax; y++, p += stride) s += src[p]! * kk[k + y]!
      out[o + i] = clip8(s)
    }
  }
  return out
}
