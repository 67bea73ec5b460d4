import { truncatedFormat, truncatedReason } from './truncation'
import sharp from 'sharp'
import { withDecodeSlot } from './decode-slots'
import { toRgb, type PixelImage } from '../../shared/imaging/pil-resize'
import { InputPlanError, planInput, prepareInput, type InputPlan } from '../../shared/imaging/input-plan'

export { resizeBilinear } from '../../shared/imaging/pil-resize'
export { shorterSideTo } from '../../shared/imaging/input-plan'

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

/**
 * One-channel models (a grey stem, chosen by the auto recipe for all-grey projects:
 * docs/accuracy.md "The one-channel stem") read one plane normalised with one mean and std:
 * ImageNet's three statistics averaged ((0.485 + 0.456 + 0.406) / 3, (0.229 + 0.224 + 0.225) / 3),
 * so a grey image lands in the same range as on a three-channel model, and the same figures
 * the PyTorch reference of the hard benchmark uses for its grey input
 * (scripts/reference/hard_benchmark_probe.py).
 */
export const GREY_MEAN = 0.449
export const GREY_STD = 0.226

/**
 * The grey value of an 8-bit RGB pixel for a one-channel model: PIL's convert('L')
 * (ITU-R 601-2 luma in 16-bit fixed point, rounded), so R = G = B gives that value exactly.
 * Colour images and camera frames are resized in RGB first (the same resize for every
 * model) and turned grey after it, pixel by pixel: training (augment-exact.ts), files and
 * prepared camera frames all take this one path.
 */
export function lumaOf(r: number, g: number, b: number): number {
  return (r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16
}

/** The input channels a model reads (engine/models/resnet.ts InputChannels). */
export type Channels = 1 | 3

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
  /** 3 (default): [3, S, S] ImageNet-normalised; 1: [1, S, S], luma (lumaOf) normalised with GREY_MEAN / GREY_STD. */
  channels?: Channels
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

/**
 * Decoded upright 8-bit pixels: RGB, or RGBA where a camera frame arrives raw (the alpha
 * is ignored, as PIL's convert('RGB') drops it).
 */
export interface RgbImage extends PixelImage {
  // data: [H, W, channels] uint8, row-major; channels 3 unless 4
  data: Uint8Array
  width: number
  height: number
}

/** Decode to upright 8-bit RGB (EXIF orientation applied, greyscale expanded, alpha dropped). */
export async function decodeRgb(input: string | Buffer): Promise<RgbImage> {
  const label = typeof input === 'string' ? input : 'image'
  try {
    const { data, info } = await withDecodeSlot(() => sharp(input, { failOn: 'error' }).rotate().toColourspace('srgb').removeAlpha().raw().toBuffer({ resolveWithObject: true }))
    if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels`)
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height }
  } catch (error) {
    const cut = typeof input === 'string' ? null : truncatedFormat(input)
    if (cut) throw new PreprocessError(label, truncatedReason(cut))
    throw new PreprocessError(label, `cannot decode the image (${(error as Error).message.split('\n')[0]}). Use a PNG, JPEG, TIFF, WebP or BMP file that opens in an image viewer.`)
  }
}

/** Preprocess one image into an ImageNet-normalised [3,S,S] tensor (see the mapping above), or a grey [1,S,S] one (`channels` 1). */
export async function preprocessImage(
  input: string | Buffer,
  opts: PreprocessOptions
): Promise<{ tensor: Float32Array; width: number; height: number; region: InputRegion }> {
  const img = await decodeRgb(input)
  return { ...preprocessRgb(img, opts, typeof input === 'string' ? input : 'image'), width: img.width, height: img.height }
}

/** Same as preprocessImage, on already decoded pixels (camera frames, cached decodes). */
export function preprocessRgb(img: RgbImage, opts: PreprocessOptions, label = 'image'): { tensor: Float32Array; region: InputRegion } {
  const plan = planOrThrow(img.width, img.height, opts, label)
  return { tensor: finishInput(prepareInput(img, plan), plan, opts.size, opts.channels ?? 3), region: plan.region }
}

/**
 * The same, on a prepared frame: the first stage (crop to the region, exact resize) was run
 * on a `frame.width`×`frame.height` frame elsewhere (the camera screen: shared/imaging/input-plan.ts)
 * and `prepared` is its result. The tensor and region are those of the full frame.
 */
export function preprocessPrepared(prepared: RgbImage, frame: { width: number; height: number }, opts: PreprocessOptions, label = 'camera frame'): { tensor: Float32Array; region: InputRegion } {
  const plan = planOrThrow(frame.width, frame.height, opts, label)
  if (prepared.width !== plan.resizeW || prepared.height !== plan.resizeH) {
    throw new PreprocessError(label, `the frame was prepared at ${prepared.width}×${prepared.height}; this model (${opts.size} px, ${opts.fit}) needs ${plan.resizeW}×${plan.resizeH}. It is inspected again once the screen knows the new model.`)
  }
  return { tensor: finishInput(prepared, plan, opts.size, opts.channels ?? 3), region: plan.region }
}

function planOrThrow(width: number, height: number, opts: PreprocessOptions, label: string): InputPlan {
  try {
    return planInput(width, height, opts)
  } catch (error) {
    if (error instanceof InputPlanError) throw new PreprocessError(label, error.message)
    throw error
  }
}

/** The second stage: centre crop ('crop' fit) and normalise (RGB planes, or one grey plane). */
function finishInput(resized: RgbImage, plan: InputPlan, S: number, channels: Channels): Float32Array {
  const rgb = (resized.channels ?? 3) === 3 ? resized : { data: toRgb(resized), width: resized.width, height: resized.height }
  const out = plan.resizeW === S && plan.resizeH === S ? rgb : cropRgb(rgb, plan.left, plan.top, S, S)
  return channels === 1 ? toNormalisedGrey(out) : toNormalisedChw(out)
}

/** A rectangle of the image, with the image's channels. */
export function cropRgb(img: RgbImage, x: number, y: number, w: number, h: number): RgbImage {
  const c = img.channels ?? 3
  const data = new Uint8Array(w * h * c)
  for (let r = 0; r < h; r++) {
    const from = ((y + r) * img.width + x) * c
    data.set(img.data.subarray(from, from + w * c), r * w * c)
  }
  return c === 3 ? { data, width: w, height: h } : { data, width: w, height: h, channels: c }
}

/** (v / 255 - mean) / std for each 8-bit value v, per channel: [3 * 256], computed as before, looked up per pixel. */
const NORMALISED = (() => {
  const lut = new Float64Array(3 * 256)
  for (let c = 0; c < 3; c++) for (let v = 0; v < 256; v++) lut[c * 256 + v] = (v / 255 - IMAGENET_MEAN[c]!) / IMAGENET_STD[c]!
  return lut
})()

/** (v / 255 - GREY_MEAN) / GREY_STD for each 8-bit grey value v: [256]. */
const NORMALISED_GREY = (() => {
  const lut = new Float64Array(256)
  for (let v = 0; v < 256; v++) lut[v] = (v / 255 - GREY_MEAN) / GREY_STD
  return lut
})()

/** HWC uint8 RGB -> [1, H, W] float32: luma (lumaOf), /255, then (x - GREY_MEAN) / GREY_STD. */
function toNormalisedGrey(img: RgbImage): Float32Array {
  const n = img.width * img.height
  // tensor: [1, S, S] float32, grey-normalised
  const out = new Float32Array(n)
  const d = img.data
  for (let i = 0, p = 0; i < n; i++, p += 3) out[i] = NORMALISED_GREY[lumaOf(d[p]!, d[p + 1]!, d[p + 2]!)]!
  return out
}

/** HWC uint8 RGB -> CHW float32, /255 then (x - mean) / std. */
function toNormalisedChw(img: RgbImage): Float32Array {
  const n = img.width * img.height
  // tensor: [3, S, S] float32, ImageNet-normalised
  const out = new Float32Array(3 * n)
  const d = img.data
  for (let i = 0, p = 0; i < n; i++, p += 3) {
    out[i] = NORMALISED[d[p]!]!
    out[n + i] = NORMALISED[256 + d[p + 1]!]!
    out[2 * n + i] = NORMALISED[512 + d[p + 2]!]!
  }
  return out
}
