import { resizeBilinear, type PixelImage } from './pil-resize'

/**
 * How an image becomes the network's S×S input, as geometry: the region of interest
 * (clamped), the size the exact resize goes to, and the centre crop after it
 * (electron/imaging/preprocess.ts has the whole mapping to torchvision). The first stage,
 * crop to the region and resize (`prepareInput`), is the expensive one; the camera screen
 * runs it in the renderer on the full-resolution frame and sends only its result (a
 * "prepared" raw frame), and the engine finishes it (centre crop, normalise). Both sides
 * run this same code, so the tensor is bit for bit the one the full frame would give.
 */

export type Fit = 'crop' | 'whole'
export interface Rect {
  x: number
  y: number
  w: number
  h: number
}

export interface InputSpec {
  size: number
  fit: Fit
  roi?: Rect | null
}

export interface InputPlan {
  /** The region of interest clamped to the image, or null (the whole image). */
  crop: Rect | null
  /** What the (cropped) image is resized to: S×S ('whole'), shorter side S·256/224 ('crop'). */
  resizeW: number
  resizeH: number
  /** Top-left of the S×S centre crop in the resized image (0, 0 for 'whole'). */
  left: number
  top: number
  /** The rectangle of the original image that the S×S input shows. */
  region: Rect
}

/** An input that cannot be made (bad size, region outside the image); the message says why. */
export class InputPlanError extends Error {
  constructor(reason: string) {
    super(reason)
    this.name = 'InputPlanError'
  }
}

export function planInput(width: number, height: number, spec: InputSpec): InputPlan {
  const S = spec.size
  if (!Number.isInteger(S) || S < 8 || S > 4096) throw new InputPlanError(`input size ${S} is invalid; use an integer from 8 to 4096 (224 is standard).`)
  const crop = spec.roi ? clampRoi(spec.roi, width, height) : null
  const offX = crop?.x ?? 0
  const offY = crop?.y ?? 0
  const w = crop?.w ?? width
  const h = crop?.h ?? height
  if (spec.fit === 'whole') return { crop, resizeW: S, resizeH: S, left: 0, top: 0, region: { x: offX, y: offY, w, h } }
  // torchvision Resize(int): shorter side -> size, longer side -> int(size * long / short).
  const resizeTo = Math.floor((S * 256) / 224)
  const [rw, rh] = shorterSideTo(w, h, resizeTo)
  if (rw < S || rh < S) throw new InputPlanError(`resized image ${rw}×${rh} is smaller than the crop ${S}.`)
  // torchvision CenterCrop: top = int(round((h - S) / 2.0)), Python's round is half-to-even.
  const top = roundHalfEven((rh - S) / 2)
  const left = roundHalfEven((rw - S) / 2)
  const sx = w / rw
  const sy = h / rh
  return { crop, resizeW: rw, resizeH: rh, left, top, region: { x: offX + left * sx, y: offY + top * sy, w: S * sx, h: S * sy } }
}

/** The first stage: crop to the region of interest and resize exactly (PIL bilinear); RGB out. */
export function prepareInput(img: PixelImage, plan: InputPlan): PixelImage & { channels: 3 } {
  const src = plan.crop ? cropPixels(img, plan.crop) : img
  return resizeBilinear(src, plan.resizeW, plan.resizeH)
}

/** Two specs that give the same prepared input (one prepared frame serves both models). */
export function sameInput(a: InputSpec, b: InputSpec): boolean {
  const ra = a.roi ?? null
  const rb = b.roi ?? null
  const sameRoi = ra === rb || (ra !== null && rb !== null && ra.x === rb.x && ra.y === rb.y && ra.w === rb.w && ra.h === rb.h)
  return a.size === b.size && a.fit === b.fit && sameRoi
}

/** A rectangle of the image, with the image's channels. */
export function cropPixels(img: PixelImage, r: Rect): PixelImage {
  const c = img.channels ?? 3
  const data = new Uint8Array(r.w * r.h * c)
  for (let row = 0; row < r.h; row++) {
    const from = ((r.y + row) * img.width + r.x) * c
    data.set(img.data.subarray(from, from + r.w * c), row * r.w * c)
  }
  return c === 3 ? { data, width: r.w, height: r.h } : { data, width: r.w, height: r.h, channels: c }
}

function clampRoi(roi: Rect, width: number, height: number): Rect {
  const x = Math.max(0, Math.round(roi.x))
  const y = Math.max(0, Math.round(roi.y))
  const w = Math.min(width - x, Math.round(roi.w))
  const h = Math.min(height - y, Math.round(roi.h))
  if (!(w >= 1 && h >= 1)) throw new InputPlanError(`region of interest ${JSON.stringify(roi)} lies outside the ${width}×${height} image; redraw it in the project settings.`)
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
