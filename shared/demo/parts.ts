/**
 * Generated parts for the demo project (`defect-studio demo`, the Projects screen's
 * "Try the demo"): a machined washer on a conveyor belt, photographed from above, in
 * grayscale or colour (brass), with small changes of position, lighting and noise. Defect
 * kinds are what a visual check of such a part looks for: a scratch across the face, a
 * stain, a missing centre hole. The same drawing makes the demo's camera frames, where a
 * part slides across the belt, so the model sees on the line what it learnt from.
 */

export const DEMO_DEFECTS = ['scratch', 'stain', 'no-hole'] as const
export type DemoDefect = (typeof DEMO_DEFECTS)[number]
export type DemoKind = 'good' | DemoDefect

export interface PartSpec {
  kind: DemoKind
  width: number
  height: number
  colour: boolean
  seed: number
  /** Part centre as a fraction of the width (default 0.5, jittered by the seed). */
  centreX?: number
  /** False: the empty belt only (a camera frame between two parts). */
  present?: boolean
}

/** Raw pixels, row-major, `channels` bytes per pixel: [height, width, channels]. */
export interface RawImage {
  data: Uint8Array
  width: number
  height: number
  channels: 1 | 3
}

/** mulberry32: small, fast and the same on every platform. */
function rng(seed: number): () => number {
  let a = seed >>> 0 || 0x9e3779b9
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const clamp = (v: number): number => (v < 0 ? 0 : v > 255 ? 255 : v)

export function renderPart(spec: PartSpec): RawImage {
  const { width: w, height: h } = spec
  const r = rng(spec.seed * 2654435761 + 17)
  const channels = spec.colour ? 3 : 1
  const data = new Uint8Array(w * h * channels)
  const m = Math.min(w, h)
  const cx = (spec.centreX ?? 0.5) * w + (r() - 0.5) * 0.08 * m
  const cy = h / 2 + (r() - 0.5) * 0.08 * m
  const outer = m * (0.34 + r() * 0.04)
  const inner = m * (0.11 + r() * 0.02)
  const light = 0.85 + r() * 0.3
  const lightAngle = r() * Math.PI * 2
  // Belt: dark rubber with fine horizontal ribs.
  const belt = 55 + r() * 15
  // Defect geometry, drawn in part coordinates (relative to the centre).
  const scratchAngle = r() * Math.PI
  const scratchOffset = (r() - 0.5) * outer * 0.6
  const scratchHalfWidth = Math.max(1.2, m * 0.018)
  const stainAngle = r() * Math.PI * 2
  const stainDist = (inner + outer) / 2
  const stainX = Math.cos(stainAngle) * stainDist
  const stainY = Math.sin(stainAngle) * stainDist
  const stainR = m * (0.07 + r() * 0.03)
  const present = spec.present !== false
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const noise = (r() - 0.5) * 14
      let g = belt + (y % 4 === 0 ? -8 : 0) + noise
      let tint: [number, number, number] = [1, 1, 1]
      const dx = x + 0.5 - cx
      const dy = y + 0.5 - cy
      const d = Math.hypot(dx, dy)
      const hole = spec.kind !== 'no-hole' && d < inner
      if (present && d < outer && !hole) {
        // Brushed metal lit from one side, a bevel at both edges.
        const shade = 0.5 + 0.5 * Math.cos(Math.atan2(dy, dx) - lightAngle)
        g = (150 + 60 * shade) * light + noise
        if (outer - d < m * 0.025 || (spec.kind !== 'no-hole' && d - inner < m * 0.02)) g *= 0.75
        tint = [1.0, 0.82, 0.5]
        if (spec.kind === 'scratch') {
          const along = dx * Math.sin(scratchAngle) - dy * Math.cos(scratchAngle)
          const across = dx * Math.cos(scratchAngle) + dy * Math.sin(scratchAngle)
          if (Math.abs(along - scratchOffset) < scratchHalfWidth && Math.abs(across) < outer * 0.7) g *= 0.35
        } else if (spec.kind === 'stain') {
          const sd = Math.hypot(dx - stainX, dy - stainY)
          if (sd < stainR) {
            g *= 0.45 + 0.2 * (sd / stainR)
            tint = [0.9, 0.55, 0.3]
          }
        }
      }
      const i = (y * w + x) * channels
      if (channels === 1) data[i] = clamp(g)
      else {
        data[i] = clamp(g * tint[0])
        data[i + 1] = clamp(g * tint[1])
        data[i + 2] = clamp(g * tint[2])
      }
    }
  }
  return { data, width: w, height: h, channels }
}
