import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import sharp from 'sharp'

/**
 * The one generator of synthetic defect images shared by every test and bench.
 *
 * Real factory photos do not exist on the machines this project is built on (see
 * docs/decisions.md, Test data stands in for the real thing), so tests that judge
 * accuracy, AUROC or heatmaps use these stand-ins.
 * Everything is drawn in plain JS from a seeded PRNG and encoded with sharp, so a seed
 * always gives byte-identical files. The parameters below are committed and fixed: a test
 * that passes only because someone made the defects easier would show up in review.
 *
 * Sizes are fractions of the image's shorter side, so the defects keep their look at any
 * resolution; at the default 64×64 they stay wide enough (≥ 1.3 px lines, ≥ 5 px blobs)
 * for a small CNN to learn them.
 */
export const SYNTHETIC_PARAMS = {
  /** Mean grey level of the part surface, and the per-pixel noise amplitude (0..255). */
  baseLevel: [95, 165] as [number, number],
  pixelNoise: 7,
  /** Texture contrast (amplitude of streaks / blotches / weave), 0..255. */
  textureContrast: [10, 22] as [number, number],
  /** Colour images: each channel gain is 1 ± this (a tinted metal or fabric). */
  tintRange: 0.18,
  scratch: {
    /** Line length and width as fractions of the shorter side; contrast in grey levels. */
    length: [0.45, 0.85] as [number, number],
    width: [0.022, 0.04] as [number, number],
    contrast: [55, 95] as [number, number]
  },
  spot: {
    radius: [0.07, 0.14] as [number, number],
    contrast: [50, 90] as [number, number]
  },
  crack: {
    /** A jagged polyline: this many segments, each turning by up to maxTurn radians. */
    segments: [5, 9] as [number, number],
    segmentLength: [0.08, 0.14] as [number, number],
    maxTurn: 0.9,
    width: [0.022, 0.035] as [number, number],
    contrast: [65, 105] as [number, number]
  },
  dent: {
    /** Shaded ellipse: lit on one side, shadowed on the other. */
    radius: [0.12, 0.22] as [number, number],
    aspect: [0.6, 1] as [number, number],
    contrast: [40, 70] as [number, number]
  },
  /** mixedSizes: each side is base × a factor in this range, then made odd. */
  sizeFactor: [0.75, 1.5] as [number, number],
  /** Default share of each class that goes to val/ (imagefolder) or to test/good (mvtec). */
  valFraction: 0.2,
  jpegQuality: 92
} as const

export type DefectKind = 'scratch' | 'spot' | 'crack' | 'dent'
export const DEFECT_KINDS: readonly DefectKind[] = ['scratch', 'spot', 'crack', 'dent']
/** The class name meaning "good part". */
export const GOOD_CLASS = 'ok'

export interface SyntheticSetOptions {
  root: string
  seed: number
  /** class name -> image count; 'ok' is the good class; defect classes among DEFECT_KINDS. */
  counts: Record<string, number>
  width?: number
  height?: number
  mixedSizes?: boolean
  colour?: 'gray' | 'rgb' | 'mixed'
  format?: 'png' | 'jpeg'
  /**
   * 'flat' = root/<class>/*, 'imagefolder' = root/train|val/<class>/*,
   * 'mvtec' = root/train/good/*, root/test/<good|defect>/*, root/ground_truth/<defect>/<name>_mask.png.
   */
  layout?: 'flat' | 'imagefolder' | 'mvtec'
  valFraction?: number
  /**
   * Write a binary mask (255 = defect) per defect image. mvtec: root/ground_truth/<class>/.
   * flat and imagefolder: `${root}.masks/<class>/<name>_mask.png`, outside root so that
   * importing root never picks the masks up as images.
   */
  masks?: boolean
}

export interface SyntheticFile {
  path: string
  /** The counts key ('ok' for good images, also in mvtec where the folder is 'good'). */
  className: string
  /** flat: always 'train'; imagefolder: 'train' | 'val'; mvtec: 'train' (good) | 'test'. */
  split: 'train' | 'val' | 'test'
  maskPath?: string
}

export class SyntheticSetError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'SyntheticSetError'
  }
}

/** Generate a labelled set of textures with drawn defects. Deterministic for a seed. */
export async function generateSyntheticSet(opts: SyntheticSetOptions): Promise<{ files: SyntheticFile[] }> {
  const layout = opts.layout ?? 'flat'
  const format = opts.format ?? 'png'
  const valFraction = opts.valFraction ?? SYNTHETIC_PARAMS.valFraction
  const ext = format === 'png' ? 'png' : 'jpg'
  for (const name of Object.keys(opts.counts)) {
    if (name !== GOOD_CLASS && !DEFECT_KINDS.includes(name as DefectKind)) {
      throw new SyntheticSetError(`Unknown class "${name}": use "${GOOD_CLASS}" or one of ${DEFECT_KINDS.join(', ')}.`)
    }
  }
  const jobs: Array<{ file: SyntheticFile; index: number; className: string }> = []
  for (const [className, count] of Object.entries(opts.counts)) {
    const valCount = Math.round(count * valFraction)
    for (let i = 0; i < count; i++) {
      // The last valCount images of each class go to val/test, so the split is exact per class.
      const held = i >= count - valCount
      const name = layout === 'mvtec' ? `${String(i).padStart(3, '0')}.${ext}` : `${className}_${String(i).padStart(4, '0')}.${ext}`
      let path: string
      let split: SyntheticFile['split']
      let maskPath: string | undefined
      const isGood = className === GOOD_CLASS
      if (layout === 'flat') {
        path = join(opts.root, className, name)
        split = 'train'
      } else if (layout === 'imagefolder') {
        split = held ? 'val' : 'train'
        path = join(opts.root, split, className, name)
      } else {
        split = isGood && !held ? 'train' : 'test'
        path = join(opts.root, split, isGood ? 'good' : className, name)
      }
      if (opts.masks && !isGood) {
        const maskName = name.replace(/\.[a-z]+$/, '_mask.png')
        maskPath = layout === 'mvtec' ? join(opts.root, 'ground_truth', className, maskName) : join(`${opts.root}.masks`, className, maskName)
      }
      jobs.push({ file: { path, className, split, ...(maskPath ? { maskPath } : {}) }, index: i, className })
    }
  }
  // A few images at a time: sharp encodes on its own threads, JS draws the next meanwhile.
  const concurrency = 4
  let next = 0
  async function worker(): Promise<void> {
    while (next < jobs.length) {
      const job = jobs[next++]!
      const rng = mulberry32(hashSeed(opts.seed, job.className, job.index))
      const image = drawImage(rng, job.className, opts)
      await mkdir(dirname(job.file.path), { recursive: true })
      let encoder = sharp(Buffer.from(image.pixels.buffer, image.pixels.byteOffset, image.pixels.byteLength), {
        raw: { width: image.width, height: image.height, channels: image.channels }
      })
      // Without this sharp writes single-channel input as sRGB; keep grey images grey.
      if (image.channels === 1) encoder = encoder.toColourspace('b-w')
      const bytes =
        format === 'png' ? await encoder.png({ compressionLevel: 6 }).toBuffer() : await encoder.jpeg({ quality: SYNTHETIC_PARAMS.jpegQuality }).toBuffer()
      await writeFile(job.file.path, bytes)
      if (job.file.maskPath) {
        await mkdir(dirname(job.file.maskPath), { recursive: true })
        const mask = await sharp(Buffer.from(image.mask.buffer, image.mask.byteOffset, image.mask.byteLength), {
          raw: { width: image.width, height: image.height, channels: 1 }
        })
          .toColourspace('b-w')
          .png()
          .toBuffer()
        await writeFile(job.file.maskPath, mask)
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, jobs.length) }, worker))
  return { files: jobs.map((j) => j.file) }
}

export interface DrawnImage {
  width: number
  height: number
  channels: 1 | 3
  // pixels: [H, W, channels] uint8, interleaved
  pixels: Uint8Array
  // mask: [H, W] uint8, 255 inside the defect
  mask: Uint8Array
}

/** Draw one image in memory (exported for tests that need pixels without files). */
export function drawImage(rng: () => number, className: string, opts: Pick<SyntheticSetOptions, 'width' | 'height' | 'mixedSizes' | 'colour'>): DrawnImage {
  let width = opts.width ?? 64
  let height = opts.height ?? 64
  if (opts.mixedSizes) {
    width = makeOdd(Math.round(width * uniform(rng, SYNTHETIC_PARAMS.sizeFactor)))
    height = makeOdd(Math.round(height * uniform(rng, SYNTHETIC_PARAMS.sizeFactor)))
  }
  const colourMode = opts.colour ?? 'gray'
  const channels: 1 | 3 = colourMode === 'rgb' || (colourMode === 'mixed' && rng() < 0.5) ? 3 : 1
  // lum: [H, W] float32 grey level before tint; delta: defect change; mask: coverage 0..1
  const lum = drawTexture(rng, width, height)
  const delta = new Float32Array(width * height)
  const coverage = new Float32Array(width * height)
  if (className !== GOOD_CLASS) drawDefect(rng, className as DefectKind, width, height, delta, coverage)
  const tint = channels === 3 ? [0, 1, 2].map(() => 1 + (rng() * 2 - 1) * SYNTHETIC_PARAMS.tintRange) : [1]
  const pixels = new Uint8Array(width * height * channels)
  const mask = new Uint8Array(width * height)
  for (let p = 0; p < width * height; p++) {
    const v = lum[p]! + delta[p]!
    for (let c = 0; c < channels; c++) pixels[p * channels + c] = clampByte(v * tint[c]!)
    mask[p] = coverage[p]! >= 0.5 ? 255 : 0
  }
  return { width, height, channels, pixels, mask }
}

export function drawTexture(rng: () => number, width: number, height: number): Float32Array {
  const base = uniform(rng, SYNTHETIC_PARAMS.baseLevel)
  const amp = uniform(rng, SYNTHETIC_PARAMS.textureContrast)
  const kind = Math.floor(rng() * 3) // 0 brushed metal, 1 blotchy noise, 2 woven
  const out = new Float32Array(width * height)
  const short = Math.min(width, height)
  if (kind === 0) {
    // Brushed metal: streaks along one axis, i.e. noise correlated along it.
    const vertical = rng() < 0.5
    const across = vertical ? width : height
    const streaks = smooth1d(Array.from({ length: across }, () => rng() * 2 - 1), 1)
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++) out[y * width + x] = base + amp * streaks[vertical ? x : y]!
  } else if (kind === 1) {
    // Blotchy cast surface: bilinear value noise on a coarse grid.
    const cell = Math.max(4, short / 6)
    const gw = Math.ceil(width / cell) + 2
    const gh = Math.ceil(height / cell) + 2
    const grid = Array.from({ length: gw * gh }, () => rng() * 2 - 1)
    for (let y = 0; y < height; y++) {
      const gy = y / cell
      const y0 = Math.floor(gy)
      const fy = gy - y0
      for (let x = 0; x < width; x++) {
        const gx = x / cell
        const x0 = Math.floor(gx)
        const fx = gx - x0
        const a = grid[y0 * gw + x0]! * (1 - fx) + grid[y0 * gw + x0 + 1]! * fx
        const b = grid[(y0 + 1) * gw + x0]! * (1 - fx) + grid[(y0 + 1) * gw + x0 + 1]! * fx
        out[y * width + x] = base + amp * (a * (1 - fy) + b * fy)
      }
    }
  } else {
    // Woven fabric / mesh: alternating over-under threads.
    const period = Math.max(4, Math.round(short / uniform(rng, [8, 14])))
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++) {
        const over = (Math.floor(x / period) + Math.floor(y / period)) % 2 === 0
        const t = over ? Math.sin((Math.PI * (x % period)) / period) : Math.sin((Math.PI * (y % period)) / period)
        out[y * width + x] = base + amp * (t - 0.5)
      }
  }
  const noise = SYNTHETIC_PARAMS.pixelNoise
  for (let p = 0; p < out.length; p++) out[p]! += (rng() * 2 - 1) * noise
  return out
}

function drawDefect(rng: () => number, kind: DefectKind, width: number, height: number, delta: Float32Array, coverage: Float32Array): void {
  const short = Math.min(width, height)
  const sign = rng() < 0.5 ? -1 : 1
  // Keep the defect centre away from the border so a centre crop still sees most of it.
  const cx = width * uniform(rng, [0.25, 0.75])
  const cy = height * uniform(rng, [0.25, 0.75])
  if (kind === 'scratch') {
    const p = SYNTHETIC_PARAMS.scratch
    const len = short * uniform(rng, p.length)
    const angle = rng() * Math.PI
    const dx = (Math.cos(angle) * len) / 2
    const dy = (Math.sin(angle) * len) / 2
    const halfWidth = Math.max(0.65, (short * uniform(rng, p.width)) / 2)
    strokeSegments(width, height, [[cx - dx, cy - dy, cx + dx, cy + dy]], halfWidth, sign * uniform(rng, p.contrast), delta, coverage)
  } else if (kind === 'crack') {
    const p = SYNTHETIC_PARAMS.crack
    const n = Math.round(uniform(rng, p.segments))
    let angle = rng() * Math.PI * 2
    const points: Array<[number, number]> = [[cx, cy]]
    // Grow a jagged polyline in both directions from the centre.
    const forward: Array<[number, number]> = []
    const backward: Array<[number, number]> = []
    for (const [list, start] of [
      [forward, angle],
      [backward, angle + Math.PI]
    ] as Array<[Array<[number, number]>, number]>) {
      let x = cx
      let y = cy
      angle = start
      for (let i = 0; i < Math.ceil(n / 2); i++) {
        angle += (rng() * 2 - 1) * p.maxTurn
        const step = short * uniform(rng, p.segmentLength)
        x = clamp(x + Math.cos(angle) * step, 1, width - 2)
        y = clamp(y + Math.sin(angle) * step, 1, height - 2)
        list.push([x, y])
      }
    }
    const path = [...backward.reverse(), ...points, ...forward]
    const segments: Array<[number, number, number, number]> = []
    for (let i = 1; i < path.length; i++) segments.push([path[i - 1]![0], path[i - 1]![1], path[i]![0], path[i]![1]])
    const halfWidth = Math.max(0.65, (short * uniform(rng, p.width)) / 2)
    // Cracks are dark: an opening in the surface.
    strokeSegments(width, height, segments, halfWidth, -uniform(rng, p.contrast), delta, coverage)
  } else if (kind === 'spot') {
    const p = SYNTHETIC_PARAMS.spot
    const r = Math.max(2.5, short * uniform(rng, p.radius))
    const rx = r * uniform(rng, [0.8, 1.2])
    const ry = r * uniform(rng, [0.8, 1.2])
    const contrast = sign * uniform(rng, p.contrast)
    const [x0, x1, y0, y1] = box(cx, cy, rx, ry, width, height)
    for (let y = y0; y < y1; y++)
      for (let x = x0; x < x1; x++) {
        const d = Math.hypot((x + 0.5 - cx) / rx, (y + 0.5 - cy) / ry)
        // Soft edge over the outer 30 % of the radius.
        const c = d <= 0.7 ? 1 : d >= 1 ? 0 : (1 - d) / 0.3
        if (c > 0) {
          const p2 = y * width + x
          delta[p2] = delta[p2]! + contrast * c
          coverage[p2] = Math.max(coverage[p2]!, c)
        }
      }
  } else if (kind === 'dent') {
    const p = SYNTHETIC_PARAMS.dent
    const rx = Math.max(3, short * uniform(rng, p.radius))
    const ry = rx * uniform(rng, p.aspect)
    const light = rng() * Math.PI * 2
    const lx = Math.cos(light)
    const ly = Math.sin(light)
    const contrast = uniform(rng, p.contrast)
    const [x0, x1, y0, y1] = box(cx, cy, rx, ry, width, height)
    for (let y = y0; y < y1; y++)
      for (let x = x0; x < x1; x++) {
        const u = (x + 0.5 - cx) / rx
        const v = (y + 0.5 - cy) / ry
        const d2 = u * u + v * v
        if (d2 >= 1) continue
        // A spherical hollow lit from direction (lx, ly): brightness ∝ surface normal · light.
        const shade = (u * lx + v * ly) * Math.sqrt(1 - d2) * 2
        const p2 = y * width + x
        delta[p2] = delta[p2]! + contrast * shade - contrast * 0.25
        coverage[p2] = 1
      }
  }
}

/** Anti-aliased thick line segments: coverage falls off over one pixel at the edge. */
export function strokeSegments(
  width: number,
  height: number,
  segments: Array<[number, number, number, number]>,
  halfWidth: number,
  contrast: number,
  delta: Float32Array,
  coverage: Float32Array
): void {
  // Only pixels near the segments can be touched: walk their bounding box.
  const pad = halfWidth + 2
  const xs = segments.flatMap(([x0, , x1]) => [x0, x1])
  const ys = segments.flatMap(([, y0, , y1]) => [y0, y1])
  const [bx0, bx1] = [Math.max(0, Math.floor(Math.min(...xs) - pad)), Math.min(width, Math.ceil(Math.max(...xs) + pad))]
  const [by0, by1] = [Math.max(0, Math.floor(Math.min(...ys) - pad)), Math.min(height, Math.ceil(Math.max(...ys) + pad))]
  for (let y = by0; y < by1; y++)
    for (let x = bx0; x < bx1; x++) {
      const px = x + 0.5
      const py = y + 0.5
      let best = Infinity
      for (const [x0, y0, x1, y1] of segments) best = Math.min(best, distanceToSegment(px, py, x0, y0, x1, y1))
      const c = clamp(halfWidth + 0.5 - best, 0, 1)
      if (c > 0) {
        const p = y * width + x
        // Max, not sum, so overlapping segment joints do not double the contrast.
        if (c > coverage[p]!) {
          delta[p] = contrast * c
          coverage[p] = c
        }
      }
    }
}

/** Pixel bounds [x0, x1) × [y0, y1) of an ellipse, clipped to the image. */
export function box(cx: number, cy: number, rx: number, ry: number, width: number, height: number): [number, number, number, number] {
  return [Math.max(0, Math.floor(cx - rx - 1)), Math.min(width, Math.ceil(cx + rx + 1)), Math.max(0, Math.floor(cy - ry - 1)), Math.min(height, Math.ceil(cy + ry + 1))]
}

function distanceToSegment(px: number, py: number, x0: number, y0: number, x1: number, y1: number): number {
  const dx = x1 - x0
  const dy = y1 - y0
  const len2 = dx * dx + dy * dy
  const t = len2 === 0 ? 0 : clamp(((px - x0) * dx + (py - y0) * dy) / len2, 0, 1)
  return Math.hypot(px - (x0 + t * dx), py - (y0 + t * dy))
}

function smooth1d(values: number[], radius: number): number[] {
  return values.map((_, i) => {
    let sum = 0
    let n = 0
    for (let k = -radius; k <= radius; k++) {
      const v = values[i + k]
      if (v !== undefined) {
        sum += v
        n++
      }
    }
    return (sum / n) * 1.5
  })
}

/** mulberry32: a small, fast, well-mixed 32-bit PRNG (public domain, Tommy Ettinger). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** One independent stream per (seed, class, index): adding a class never changes the others. */
export function hashSeed(seed: number, className: string, index: number): number {
  // FNV-1a over the three parts.
  let h = 0x811c9dc5
  for (const ch of `${seed}|${className}|${index}`) {
    h ^= ch.charCodeAt(0)
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h
}

export function uniform(rng: () => number, [lo, hi]: readonly [number, number]): number {
  return lo + (hi - lo) * rng()
}

export function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v
}

export function clampByte(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : Math.round(v)
}

function makeOdd(n: number): number {
  return n % 2 === 0 ? n + 1 : n
}
