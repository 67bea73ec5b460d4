import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import sharp from 'sharp'
import { box, clamp, clampByte, drawTexture, hashSeed, mulberry32, strokeSegments, uniform } from './synthetic-defects'

/**
 * The hard synthetic benchmark (issue 14): what real inspection sets look like when the
 * torchvision fine-tuning recipe learns nothing from them. Several defect classes, each a
 * few pixels across (about 0.5–2 % of the image side), low contrast against a textured
 * grey surface, the good class 30× the rarest defect class, and images of varied sizes and
 * aspect ratios.
 *
 * THESE PARAMETERS ARE COMMITTED AND NEVER TUNED TO THE RECIPE (docs/decisions.md, "Benchmarks keep their teeth"): if
 * the automatic recipe stops reaching its target, the recipe changes, not this file. The
 * two scales differ only in image sides and image counts; every defect size is a fraction
 * of the image's shorter side, with a floor in pixels so that at the reduced scale a
 * defect is still at least one pixel wide.
 *
 * Sizes: "width" of a line defect and "diameter" of a blob defect are the 0.5–2 % figures;
 * a line's length is longer (it is a line). Contrast is in grey levels, against a texture
 * whose own amplitude is 10–22 levels plus ±7 levels of pixel noise (synthetic-defects.ts).
 */
export interface HardParams {
  goodClass: string
  defects: {
    scratch?: { length: Range; width: Range; minWidthPx: number; contrast: Range }
    crack?: { segments: Range; segmentLength: Range; maxTurn: number; width: Range; minWidthPx: number; contrast: Range }
    spot?: { diameter: Range; minDiameterPx: number; contrast: Range }
    dent?: { diameter: Range; minDiameterPx: number; aspect: Range; contrast: Range }
  }
  centre: Range
  aspect: Range
  scales: Record<'full' | 'ci', { shortSide: Range; train: Record<string, number>; test: Record<string, number> }>
  valFraction: number
}
type Range = readonly [number, number]

/** v1 (sessions 2–3): learned by no recipe from random initialisation, PyTorch's included; kept as history. */
export const HARD_PARAMS_V1 = {
  goodClass: 'good',
  defects: {
    scratch: { length: [0.12, 0.25], width: [0.005, 0.012], minWidthPx: 1, contrast: [16, 30] },
    crack: { segments: [4, 7], segmentLength: [0.03, 0.06], maxTurn: 0.9, width: [0.005, 0.012], minWidthPx: 1, contrast: [16, 30] },
    spot: { diameter: [0.01, 0.02], minDiameterPx: 3, contrast: [20, 34] },
    dent: { diameter: [0.015, 0.025], minDiameterPx: 5, aspect: [0.6, 1], contrast: [22, 36] }
  },
  /** Defect centres anywhere in [0.08, 0.92] of each axis: a random crop can cut them away. */
  centre: [0.08, 0.92],
  /** Aspect ratio (width / height) of an image, uniform in this range. */
  aspect: [0.75, 1.33],
  scales: {
    /** The bench's full figure: sides like the real tile photos (100–600 px). */
    full: {
      shortSide: [100, 480],
      train: { good: 600, scratch: 60, spot: 40, crack: 30, dent: 20 },
      test: { good: 200, scratch: 50, spot: 50, crack: 50, dent: 50 }
    },
    /** CI: small images and counts so a test trains in about a minute on 2 cores. */
    ci: {
      shortSide: [48, 96],
      train: { good: 480, scratch: 48, spot: 32, crack: 24, dent: 16 },
      test: { good: 100, scratch: 25, spot: 25, crack: 25, dent: 25 }
    }
  },
  /** Share of each class of the `train` counts that goes to the project's val split. */
  valFraction: 0.2
} as const satisfies HardParams

/**
 * v2, the benchmark in use (docs/decisions.md, "Benchmarks keep their teeth", amended once):
 * re-calibrated against the independent PyTorch reference (scripts/reference/
 * hard_benchmark_probe.py), never against the project's trainer, so that the issue's
 * reference recipe learns it from random initialisation and torchvision's seed recipe does
 * not. What changed from v1: three defect kinds that differ in shape at their size (a
 * straight line, a soft disc, a shaded hollow; v1's crack, a bent 1-px line, was not told
 * from a scratch), three times the defect images (still 30:1), contrast 24–54 grey levels
 * instead of 16–36 (still 1–5× the texture's own amplitude of 10–22, under 22 % of the grey
 * range), CI images 40–64 px instead of 48–96 (a 1-px line stays about one pixel at the 64-px
 * training size), longer scratches, a 6-px floor for dents. Figures: docs/accuracy.md.
 */
export const HARD_PARAMS_V2 = {
  goodClass: 'good',
  defects: {
    scratch: { length: [0.25, 0.4], width: [0.005, 0.012], minWidthPx: 1, contrast: [24, 45] },
    spot: { diameter: [0.01, 0.02], minDiameterPx: 3, contrast: [30, 51] },
    dent: { diameter: [0.015, 0.025], minDiameterPx: 6, aspect: [0.6, 1], contrast: [33, 54] }
  },
  centre: [0.08, 0.92],
  aspect: [0.75, 1.33],
  scales: {
    /** The bench's full figure: sides like the real tile photos (100–600 px); not calibrated, only ci is. */
    full: {
      shortSide: [100, 480],
      train: { good: 3000, scratch: 300, spot: 200, dent: 100 },
      test: { good: 200, scratch: 50, spot: 50, dent: 50 }
    },
    /** CI: small images (40–64 px) so both presets train in a few minutes on 2 cores. */
    ci: {
      shortSide: [40, 64],
      train: { good: 1500, scratch: 150, spot: 100, dent: 50 },
      test: { good: 200, scratch: 50, spot: 50, dent: 50 }
    }
  },
  valFraction: 0.2
} as const satisfies HardParams

export const HARD_PARAMS: HardParams = HARD_PARAMS_V2

export type HardScale = keyof HardParams['scales']
export type HardDefectKind = keyof HardParams['defects']
export const HARD_DEFECT_KINDS = Object.keys(HARD_PARAMS.defects) as HardDefectKind[]
export const HARD_CLASSES = [HARD_PARAMS.goodClass, ...HARD_DEFECT_KINDS]

export interface HardSetFile {
  path: string
  className: string
  split: 'train' | 'val' | 'test'
  width: number
  height: number
  /** Defect width/diameter in pixels (0 for good images). */
  defectPx: number
}

export interface HardSet {
  /** imagefolder layout: root/train/<class>/*, root/val/<class>/* (import this folder). */
  projectRoot: string
  /** A held-out test set drawn from other streams, root/<class>/* (never imported for training). */
  testRoot: string
  files: HardSetFile[]
}

export interface DrawnHardImage {
  width: number
  height: number
  pixels: Uint8Array // [H, W] grey levels
  mask: Uint8Array // [H, W], 255 inside the defect
  defectPx: number
}

/** Draw one image of the benchmark (grey). Deterministic for its rng. */
export function drawHardImage(rng: () => number, className: string, scale: HardScale, params: HardParams = HARD_PARAMS): DrawnHardImage {
  const s = params.scales[scale]
  const short = Math.round(uniform(rng, s.shortSide))
  const aspect = uniform(rng, params.aspect)
  const width = aspect >= 1 ? Math.round(short * aspect) : short
  const height = aspect >= 1 ? short : Math.round(short / aspect)
  const lum = drawTexture(rng, width, height)
  const delta = new Float32Array(width * height)
  const coverage = new Float32Array(width * height)
  let defectPx = 0
  if (className !== params.goodClass) defectPx = drawHardDefect(rng, params, className as HardDefectKind, width, height, delta, coverage)
  const pixels = new Uint8Array(width * height)
  const mask = new Uint8Array(width * height)
  for (let p = 0; p < width * height; p++) {
    pixels[p] = clampByte(lum[p]! + delta[p]!)
    mask[p] = coverage[p]! >= 0.5 ? 255 : 0
  }
  return { width, height, pixels, mask, defectPx }
}

function drawHardDefect(rng: () => number, params: HardParams, kind: HardDefectKind, width: number, height: number, delta: Float32Array, coverage: Float32Array): number {
  const short = Math.min(width, height)
  const cx = width * uniform(rng, params.centre)
  const cy = height * uniform(rng, params.centre)
  const sign = rng() < 0.5 ? -1 : 1
  if (kind === 'scratch') {
    const p = defectParams(params, 'scratch')
    const len = short * uniform(rng, p.length)
    const angle = rng() * Math.PI
    const dx = (Math.cos(angle) * len) / 2
    const dy = (Math.sin(angle) * len) / 2
    const w = Math.max(p.minWidthPx, short * uniform(rng, p.width))
    strokeSegments(width, height, [[cx - dx, cy - dy, cx + dx, cy + dy]], w / 2, sign * uniform(rng, p.contrast), delta, coverage)
    return w
  }
  if (kind === 'crack') {
    const p = defectParams(params, 'crack')
    const n = Math.round(uniform(rng, p.segments))
    const path: Array<[number, number]> = [[cx, cy]]
    let angle = rng() * Math.PI * 2
    let x = cx
    let y = cy
    for (let i = 0; i < n; i++) {
      angle += (rng() * 2 - 1) * p.maxTurn
      const step = short * uniform(rng, p.segmentLength)
      x = clamp(x + Math.cos(angle) * step, 1, width - 2)
      y = clamp(y + Math.sin(angle) * step, 1, height - 2)
      path.push([x, y])
    }
    const segments: Array<[number, number, number, number]> = []
    for (let i = 1; i < path.length; i++) segments.push([path[i - 1]![0], path[i - 1]![1], path[i]![0], path[i]![1]])
    const w = Math.max(p.minWidthPx, short * uniform(rng, p.width))
    // Cracks are dark: an opening in the surface.
    strokeSegments(width, height, segments, w / 2, -uniform(rng, p.contrast), delta, coverage)
    return w
  }
  if (kind === 'spot') {
    const p = defectParams(params, 'spot')
    const d = Math.max(p.minDiameterPx, short * uniform(rng, p.diameter))
    const r = d / 2
    const contrast = sign * uniform(rng, p.contrast)
    const [x0, x1, y0, y1] = box(cx, cy, r, r, width, height)
    for (let yy = y0; yy < y1; yy++)
      for (let xx = x0; xx < x1; xx++) {
        const dist = Math.hypot(xx + 0.5 - cx, yy + 0.5 - cy) / r
        // Soft edge over the outer 30 % of the radius.
        const c = dist <= 0.7 ? 1 : dist >= 1 ? 0 : (1 - dist) / 0.3
        if (c > 0) {
          const q = yy * width + xx
          delta[q] = delta[q]! + contrast * c
          coverage[q] = Math.max(coverage[q]!, c)
        }
      }
    return d
  }
  const p = defectParams(params, 'dent')
  const d = Math.max(p.minDiameterPx, short * uniform(rng, p.diameter))
  const rx = d / 2
  const ry = rx * uniform(rng, p.aspect)
  const light = rng() * Math.PI * 2
  const lx = Math.cos(light)
  const ly = Math.sin(light)
  const contrast = uniform(rng, p.contrast)
  const [x0, x1, y0, y1] = box(cx, cy, rx, ry, width, height)
  for (let yy = y0; yy < y1; yy++)
    for (let xx = x0; xx < x1; xx++) {
      const u = (xx + 0.5 - cx) / rx
      const v = (yy + 0.5 - cy) / ry
      const d2 = u * u + v * v
      if (d2 >= 1) continue
      // A hollow lit from (lx, ly): one side bright, the other in shadow.
      const shade = (u * lx + v * ly) * Math.sqrt(1 - d2) * 2
      const q = yy * width + xx
      delta[q] = delta[q]! + contrast * shade
      coverage[q] = 1
    }
  return d
}

function defectParams<K extends HardDefectKind>(params: HardParams, kind: K): NonNullable<HardParams['defects'][K]> {
  const p = params.defects[kind]
  if (!p) throw new Error(`hard benchmark: no parameters for defect kind ${kind}`)
  return p
}

/**
 * Write the benchmark: the project part (imagefolder, exact per-class val share) and the
 * held-out test part. Test images come from streams of their own (seed + 1_000_003), so
 * they never repeat a training image. PNG, grey, deterministic for a seed.
 */
export async function generateHardSet(opts: { root: string; seed: number; scale: HardScale; params?: HardParams }): Promise<HardSet> {
  const params = opts.params ?? HARD_PARAMS
  const s = params.scales[opts.scale]
  const projectRoot = join(opts.root, 'project')
  const testRoot = join(opts.root, 'test')
  const jobs: Array<{ file: Omit<HardSetFile, 'width' | 'height' | 'defectPx'>; seed: number; index: number }> = []
  for (const [className, count] of Object.entries(s.train)) {
    const valCount = Math.round(count * params.valFraction)
    for (let i = 0; i < count; i++) {
      const split = i >= count - valCount ? 'val' : 'train'
      jobs.push({ file: { path: join(projectRoot, split, className, `${className}_${String(i).padStart(4, '0')}.png`), className, split }, seed: opts.seed, index: i })
    }
  }
  for (const [className, count] of Object.entries(s.test)) {
    for (let i = 0; i < count; i++) {
      jobs.push({ file: { path: join(testRoot, className, `${className}_${String(i).padStart(4, '0')}.png`), className, split: 'test' }, seed: opts.seed + 1_000_003, index: i })
    }
  }
  const files: HardSetFile[] = new Array(jobs.length)
  let next = 0
  async function worker(): Promise<void> {
    while (next < jobs.length) {
      const k = next++
      const job = jobs[k]!
      const img = drawHardImage(mulberry32(hashSeed(job.seed, job.file.className, job.index)), job.file.className, opts.scale, params)
      const bytes = await sharp(Buffer.from(img.pixels.buffer, img.pixels.byteOffset, img.pixels.byteLength), { raw: { width: img.width, height: img.height, channels: 1 } })
        .toColourspace('b-w')
        .png({ compressionLevel: 6 })
        .toBuffer()
      await mkdir(dirname(job.file.path), { recursive: true })
      await writeFile(job.file.path, bytes)
      files[k] = { ...job.file, width: img.width, height: img.height, defectPx: img.defectPx }
    }
  }
  await Promise.all(Array.from({ length: 4 }, worker))
  return { projectRoot, testRoot, files }
}
