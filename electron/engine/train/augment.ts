import { GREY_MEAN, GREY_STD, IMAGENET_MEAN, IMAGENET_STD, type Channels, type RgbImage } from '../../imaging/preprocess'
import type { Rng } from './rng'
import type { TrainAugment } from '../../../shared/contract/training'

export type { RgbImage }

/**
 * Training augmentations on raw pixels, as torchvision's classification recipe:
 * RandomResizedCrop(scale 0.08–1, ratio 3/4–4/3), RandomHorizontalFlip, RandomRotation(±15°),
 * ColorJitter(brightness 0.2, contrast 0.2, saturation 0.2), then ImageNet normalisation.
 * Crop, flip and rotation are composed into one inverse affine map and sampled once
 * (bilinear), so the image is resampled a single time. Each augmentation can be switched off.
 *
 * The crop follows the project's fit mode (docs/decisions.md, Images): `crop` draws torchvision's
 * crop on the image itself and, with the crop switched off, is the eval transform (shorter
 * side to S·256/224, centre crop S); `whole` draws the crop on the whole image squashed to
 * S×S and, with the crop off, shows the whole image, so a defect near an edge is never cut
 * away by the deterministic path.
 */

export type FitMode = 'crop' | 'whole'

export interface AugmentConfig {
  randomResizedCrop: boolean
  /** Area fraction range of the crop (torchvision default [0.08, 1]). */
  cropScale: [number, number]
  /** Aspect-ratio range of the crop (torchvision default [3/4, 4/3]). */
  cropRatio: [number, number]
  horizontalFlip: boolean
  /** Vertical flip (surfaces have no up and down); off in the seed recipe. */
  verticalFlip?: boolean
  /** Random transposition, with the flips: any of the square's 8 symmetries (augment-exact.ts). */
  rotate90?: boolean
  /**
   * Random translation by up to this share of the side in whole pixels, each axis drawn
   * uniformly, mirrored at the edges (augment-exact.ts; the whole-image exact path only). A
   * defect moves, it is not resampled; one within this share of an edge can be pushed out.
   */
  shift?: number
  /** Maximum rotation in degrees (0 = off); torchvision RandomRotation(degrees). */
  rotationDegrees: number
  /** ColorJitter factors (0 = off for that component). */
  brightness: number
  contrast: number
  saturation: number
}

export const DEFAULT_AUGMENT: AugmentConfig = {
  randomResizedCrop: true,
  cropScale: [0.08, 1],
  cropRatio: [3 / 4, 4 / 3],
  horizontalFlip: true,
  rotationDegrees: 15,
  brightness: 0.2,
  contrast: 0.2,
  saturation: 0.2
}

/**
 * The contract's augmentation switches (`training:start`'s `augment`, the Training screen's
 * check boxes) as trainer settings: the one place they are translated. On keeps the
 * default strength, off sets it to zero; a switch left out keeps its default.
 */
export function augmentFromSwitches(a: TrainAugment): Partial<AugmentConfig> {
  const config: Partial<AugmentConfig> = {}
  if (a.randomResizedCrop !== undefined) config.randomResizedCrop = a.randomResizedCrop
  if (a.horizontalFlip !== undefined) config.horizontalFlip = a.horizontalFlip
  if (a.rotation !== undefined) config.rotationDegrees = a.rotation ? DEFAULT_AUGMENT.rotationDegrees : 0
  if (a.colorJitter !== undefined) {
    const on = a.colorJitter
    config.brightness = on ? DEFAULT_AUGMENT.brightness : 0
    config.contrast = on ? DEFAULT_AUGMENT.contrast : 0
    config.saturation = on ? DEFAULT_AUGMENT.saturation : 0
  }
  return config
}

/** No augmentation at all: the deterministic transform used for validation-like passes. */
export const NO_AUGMENT: AugmentConfig = {
  ...DEFAULT_AUGMENT,
  randomResizedCrop: false,
  horizontalFlip: false,
  rotationDegrees: 0,
  brightness: 0,
  contrast: 0,
  saturation: 0
}

/** A crop rectangle in source pixels (continuous coordinates). */
export interface CropRect {
  x: number
  y: number
  w: number
  h: number
}

/** The parameters drawn for one sample; exposed so tests can check determinism. */
export interface AugmentParams {
  crop: CropRect
  flip: boolean
  angleDegrees: number
  /** ColorJitter factors and the order they are applied in (0 brightness, 1 contrast, 2 saturation). */
  jitter: { brightness: number; contrast: number; saturation: number; order: number[] }
}

/**
 * torchvision.transforms.RandomResizedCrop.get_params on an image of width × height:
 * 10 tries of (area fraction, log-uniform ratio), then the centre-crop fallback.
 */
export function randomResizedCropParams(width: number, height: number, scale: [number, number], ratio: [number, number], rng: Rng): CropRect {
  const area = width * height
  const logLo = Math.log(ratio[0])
  const logHi = Math.log(ratio[1])
  for (let attempt = 0; attempt < 10; attempt++) {
    const targetArea = area * rng.uniform(scale[0], scale[1])
    const aspect = Math.exp(rng.uniform(logLo, logHi))
    const w = Math.round(Math.sqrt(targetArea * aspect))
    const h = Math.round(Math.sqrt(targetArea / aspect))
    if (w > 0 && w <= width && h > 0 && h <= height) {
      const y = rng.int(height - h + 1)
      const x = rng.int(width - w + 1)
      return { x, y, w, h }
    }
  }
  const inRatio = width / height
  let w = width
  let h = height
  if (inRatio < ratio[0]) h = Math.round(w / ratio[0])
  else if (inRatio > ratio[1]) w = Math.round(h * ratio[1])
  return { x: Math.floor((width - w) / 2), y: Math.floor((height - h) / 2), w, h }
}

/** The deterministic source rectangle of a fit mode (no random crop). */
export function fitRect(width: number, height: number, fit: FitMode): CropRect {
  if (fit === 'whole') return { x: 0, y: 0, w: width, h: height }
  // Resize shorter side to S·256/224 then centre-crop S = a centred square of side short·224/256.
  const side = (Math.min(width, height) * 224) / 256
  return { x: (width - side) / 2, y: (height - side) / 2, w: side, h: side }
}

/** Draw every random parameter of one sample, in a fixed order, from its own stream. */
export function drawAugmentParams(image: { width: number; height: number }, size: number, fit: FitMode, config: AugmentConfig, rng: Rng): AugmentParams {
  let crop: CropRect
  if (!config.randomResizedCrop) crop = fitRect(image.width, image.height, fit)
  else if (fit === 'crop') crop = randomResizedCropParams(image.width, image.height, config.cropScale, config.cropRatio, rng)
  else {
    // Draw on the squashed S×S view of the whole image, then map back to source pixels.
    const c = randomResizedCropParams(size, size, config.cropScale, config.cropRatio, rng)
    const sx = image.width / size
    const sy = image.height / size
    crop = { x: c.x * sx, y: c.y * sy, w: c.w * sx, h: c.h * sy }
  }
  const flip = config.horizontalFlip ? rng.next() < 0.5 : false
  const angleDegrees = config.rotationDegrees > 0 ? rng.uniform(-config.rotationDegrees, config.rotationDegrees) : 0
  const factor = (amount: number): number => (amount > 0 ? rng.uniform(Math.max(0, 1 - amount), 1 + amount) : 1)
  // torchvision ColorJitter.get_params: a random order, then one factor per component.
  const order = [0, 1, 2]
  for (let i = 2; i > 0; i--) {
    const j = rng.int(i + 1)
    const t = order[i]!
    order[i] = order[j]!
    order[j] = t
  }
  const jitter = { brightness: factor(config.brightness), contrast: factor(config.contrast), saturation: factor(config.saturation), order }
  return { crop, flip, angleDegrees, jitter }
}

/**
 * Render one sample: crop → resize to S×S → flip → rotate (fill black) → colour jitter →
 * ImageNet normalisation, written into `out` at `offset` as [3, S, S] float32.
 *
 * Two passes over the pixels, not one per operation: the first samples (bilinear) and
 * applies the jitter operations drawn before contrast, summing the luma contrast needs; the
 * second applies contrast, the operations after it and the normalisation. Every
 * intermediate is rounded to float32 where a [3, S, S] float32 buffer would hold it
 * (Math.fround), so the result is bit for bit that of doing each operation as its own pass
 * over such a buffer (tests/unit/train/augment-passes.test.ts keeps that form as the
 * reference). A 224-px image from a 256² source took 7.2 ms per pass and 4.0 ms fused here
 * (electron/engine/train/README.md, "Session 9").
 */
export function renderAugmented(image: RgbImage, size: number, params: AugmentParams, out: Float32Array, offset = 0, channels: Channels = 3): void {
  const { width, height, data } = image
  const { crop, flip } = params
  const plane = size * size
  // rgb: [3, S, S] in [0,1], the state between the two passes.
  const rgb = scratchPlanes(3 * plane)
  const { before, contrast, after } = splitAtContrast(params.jitter)
  const theta = (params.angleDegrees * Math.PI) / 180
  const cos = Math.cos(theta)
  const sin = Math.sin(theta)
  const half = size / 2
  const scaleX = crop.w / size
  const scaleY = crop.h / size
  const g = plane
  const b2 = 2 * plane
  let lumaSum = 0
  for (let v = 0; v < size; v++) {
    const dy = v + 0.5 - half
    for (let u = 0; u < size; u++) {
      // Output pixel centre, inverse-rotated about the centre (torchvision rotates the
      // content counter-clockwise for positive angles).
      const dx = u + 0.5 - half
      let cx = cos * dx - sin * dy + half
      const cy = sin * dx + cos * dy + half
      const o = v * size + u
      let r = 0
      let gr = 0
      let bl = 0
      if (cx >= 0 && cx < size && cy >= 0 && cy < size) {
        // Inside: sample; a rotated-in corner stays black (0) and is still jittered.
        if (flip) cx = size - cx
        // Crop space -> source pixel coordinates (centre-aligned).
        const sx = crop.x + cx * scaleX - 0.5
        const sy = crop.y + cy * scaleY - 0.5
        const x0 = Math.floor(sx)
        const y0 = Math.floor(sy)
        const fx = sx - x0
        const fy = sy - y0
        const xa = x0 < 0 ? 0 : x0 >= width ? width - 1 : x0
        const xb = x0 + 1 < 0 ? 0 : x0 + 1 >= width ? width - 1 : x0 + 1
        const ya = y0 < 0 ? 0 : y0 >= height ? height - 1 : y0
        const yb = y0 + 1 < 0 ? 0 : y0 + 1 >= height ? height - 1 : y0 + 1
        const i00 = (ya * width + xa) * 3
        const i01 = (ya * width + xb) * 3
        const i10 = (yb * width + xa) * 3
        const i11 = (yb * width + xb) * 3
        const w00 = (1 - fx) * (1 - fy)
        const w01 = fx * (1 - fy)
        const w10 = (1 - fx) * fy
        const w11 = fx * fy
        r = Math.fround((data[i00]! * w00 + data[i01]! * w01 + data[i10]! * w10 + data[i11]! * w11) / 255)
        gr = Math.fround((data[i00 + 1]! * w00 + data[i01 + 1]! * w01 + data[i10 + 1]! * w10 + data[i11 + 1]! * w11) / 255)
        bl = Math.fround((data[i00 + 2]! * w00 + data[i01 + 2]! * w01 + data[i10 + 2]! * w10 + data[i11 + 2]! * w11) / 255)
      }
      for (const op of before) {
        const t = towardOf(op, r, gr, bl)
        r = blend(r, op.factor, t)
        gr = blend(gr, op.factor, t)
        bl = blend(bl, op.factor, t)
      }
      if (contrast !== 1) lumaSum += 0.2989 * r + 0.587 * gr + 0.114 * bl
      rgb[o] = r
      rgb[g + o] = gr
      rgb[b2 + o] = bl
    }
  }
  // Contrast blends toward the mean luma of the image as the operations before it left it.
  const rest: PixelOp[] = contrast !== 1 ? [{ kind: 1, factor: contrast, toward: lumaSum / plane }, ...after] : after
  const invGrey = 1 / GREY_STD
  const mean0 = IMAGENET_MEAN[0]!
  const mean1 = IMAGENET_MEAN[1]!
  const mean2 = IMAGENET_MEAN[2]!
  const inv0 = 1 / IMAGENET_STD[0]!
  const inv1 = 1 / IMAGENET_STD[1]!
  const inv2 = 1 / IMAGENET_STD[2]!
  for (let i = 0; i < plane; i++) {
    let r = rgb[i]!
    let gr = rgb[g + i]!
    let bl = rgb[b2 + i]!
    for (const op of rest) {
      const t = towardOf(op, r, gr, bl)
      r = blend(r, op.factor, t)
      gr = blend(gr, op.factor, t)
      bl = blend(bl, op.factor, t)
    }
    if (channels === 1) {
      // One-channel model: [1, S, S], the ITU-R 601 luma of the jittered pixels (imaging/preprocess.ts lumaOf's
      // weights, in floats here: this path resamples anyway, so it is not bit-identical to inspection).
      out[offset + i] = (0.299 * r + 0.587 * gr + 0.114 * bl - GREY_MEAN) * invGrey
    } else {
      out[offset + i] = (r - mean0) * inv0
      out[offset + g + i] = (gr - mean1) * inv1
      out[offset + b2 + i] = (bl - mean2) * inv2
    }
  }
}

const clamp01 = (x: number): number => (x < 0 ? 0 : x > 1 ? 1 : x)

/**
 * A jitter operation on one pixel, each a blend c → f·c + (1 − f)·toward: 0 brightness
 * (toward 0: a scale), 1 contrast (toward the image's mean luma, `toward`), 2 saturation
 * (toward the pixel's own grey).
 */
interface PixelOp {
  kind: 0 | 1 | 2
  factor: number
  toward?: number
}

function towardOf(op: PixelOp, r: number, g: number, b: number): number {
  return op.kind === 0 ? 0 : op.kind === 1 ? op.toward! : 0.2989 * r + 0.587 * g + 0.114 * b
}

/** One channel of a blend, rounded to float32 as a float32 buffer between operations holds it. */
const blend = (c: number, f: number, toward: number): number => Math.fround(clamp01(f * c + (1 - f) * toward))

/**
 * torchvision's ColorJitter order, split where contrast (which needs the whole image's mean
 * luma) falls: the per-pixel operations before it, its factor (1 = off), those after it.
 * Operations whose factor is 1 are identities and dropped, as the per-pass form skips them.
 */
function splitAtContrast(jitter: AugmentParams['jitter']): { before: PixelOp[]; contrast: number; after: PixelOp[] } {
  const before: PixelOp[] = []
  const after: PixelOp[] = []
  let contrast = 1
  for (const op of jitter.order) {
    if (op === 1) {
      contrast = jitter.contrast
      continue
    }
    const factor = op === 0 ? jitter.brightness : jitter.saturation
    if (factor === 1) continue
    ;(contrast === 1 ? before : after).push({ kind: op === 0 ? 0 : 2, factor })
  }
  return { before, contrast, after }
}

/** One reused buffer for the planes between the passes (not 600 KB of new garbage per image). */
let planes = new Float32Array(0)
function scratchPlanes(length: number): Float32Array {
  if (planes.length < length) planes = new Float32Array(length)
  return planes
}
