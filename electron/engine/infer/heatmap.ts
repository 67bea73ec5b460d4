import type { InputRegion } from '../../imaging/preprocess'

/**
 * Class activation maps (Zhou et al. 2016, "Learning Deep Features for Discriminative
 * Localization"): ResNet18 ends in global average pooling + fc, so the logit of class k is
 *   logit_k = b_k + mean_{y,x} sum_c W[k,c] · F[c,y,x]
 * and CAM_k[y,x] = sum_c W[k,c] · F[c,y,x] shows where that evidence sits. The map is
 * ReLU'd, divided by its maximum, upsampled like F.interpolate(mode='bilinear',
 * align_corners=False) to the network input, then mapped back through the crop/resize so
 * it lies over the original image.
 */

export interface Heatmap {
  /** Grid size; the grid covers the whole original image (same aspect ratio). */
  width: number
  height: number
  // data: [height, width] float32 in [0, 1]; 0 outside the region the network saw
  data: Float32Array
  /** Where the map peaks, in original image pixels. */
  peak: { x: number; y: number }
}

/**
 * Raw CAM for one image: features [C, h, w] (layer4 output) weighted by fcRow [C].
 * Returns [h, w] float32 (not ReLU'd; its mean + fc bias equals the class logit).
 */
export function classActivationMap(features: Float32Array, channels: number, h: number, w: number, fcRow: Float32Array): Float32Array {
  if (features.length !== channels * h * w) throw new Error(`classActivationMap: features have ${features.length} values, expected ${channels}×${h}×${w}.`)
  if (fcRow.length !== channels) throw new Error(`classActivationMap: fc row has ${fcRow.length} weights for ${channels} channels.`)
  const hw = h * w
  // cam: [h, w] float32
  const cam = new Float32Array(hw)
  const acc = new Float64Array(hw)
  for (let c = 0; c < channels; c++) {
    const wc = fcRow[c]!
    if (wc === 0) continue
    const base = c * hw
    for (let i = 0; i < hw; i++) acc[i] += wc * features[base + i]!
  }
  for (let i = 0; i < hw; i++) cam[i] = acc[i]!
  return cam
}

/** ReLU then divide by the maximum (all zeros when nothing is positive). */
export function normaliseCam(cam: Float32Array): Float32Array {
  let max = 0
  for (const v of cam) if (v > max) max = v
  const out = new Float32Array(cam.length)
  if (max <= 0) return out
  for (let i = 0; i < cam.length; i++) out[i] = cam[i]! > 0 ? cam[i]! / max : 0
  return out
}

/** Bilinear sample of a [h, w] map at feature coordinates (fx, fy), edges clamped (align_corners=False). */
function sampleBilinear(map: Float32Array, h: number, w: number, fx: number, fy: number): number {
  const x = Math.min(Math.max(fx, 0), w - 1)
  const y = Math.min(Math.max(fy, 0), h - 1)
  const x0 = Math.floor(x)
  const y0 = Math.floor(y)
  const x1 = Math.min(x0 + 1, w - 1)
  const y1 = Math.min(y0 + 1, h - 1)
  const ax = x - x0
  const ay = y - y0
  const top = map[y0 * w + x0]! * (1 - ax) + map[y0 * w + x1]! * ax
  const bottom = map[y1 * w + x0]! * (1 - ax) + map[y1 * w + x1]! * ax
  return top * (1 - ay) + bottom * ay
}

/**
 * Upsample a normalised [h, w] CAM onto the original image. `region` is the rectangle of
 * the original the S×S input showed (preprocess's region); the grid's longer side is
 * `maxSide` (or the image size when smaller).
 */
export function camToImageHeatmap(
  cam: Float32Array,
  h: number,
  w: number,
  region: InputRegion,
  image: { width: number; height: number },
  maxSide = 224
): Heatmap {
  const scale = Math.min(1, maxSide / Math.max(image.width, image.height))
  const gw = Math.max(1, Math.round(image.width * scale))
  const gh = Math.max(1, Math.round(image.height * scale))
  const data = new Float32Array(gw * gh)
  let best = -1
  let peak = { x: 0, y: 0 }
  for (let gy = 0; gy < gh; gy++) {
    const oy = ((gy + 0.5) * image.height) / gh
    // Position in the input as a fraction; F.interpolate(align_corners=False) to S then to
    // features is the same as going straight to feature coordinates: v·h − 0.5.
    const v = (oy - region.y) / region.h
    for (let gx = 0; gx < gw; gx++) {
      const ox = ((gx + 0.5) * image.width) / gw
      const u = (ox - region.x) / region.w
      if (u < 0 || u >= 1 || v < 0 || v >= 1) continue
      const value = sampleBilinear(cam, h, w, u * w - 0.5, v * h - 0.5)
      data[gy * gw + gx] = value
      if (value > best) {
        best = value
        peak = { x: ox, y: oy }
      }
    }
  }
  return { width: gw, height: gh, data, peak }
}
