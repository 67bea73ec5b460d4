import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import sharp from 'sharp'
import { drawHardImage, HARD_PARAMS_V1, type HardDefectKind } from './hard-defects'
import { hashSeed, mulberry32 } from './synthetic-defects'

/**
 * The "Done when" data set of issue 11, as a new user's folder of photos looks: one folder
 * per class (root/<class>/*.png), the good class called `free` (not a name the app
 * guesses), 30:1 between the good class and the rarest defect, tiny low-contrast defects
 * (the hard benchmark's drawing, tests/support/hard-defects.ts, with its first (v1) parameters
 * at their CI scale: sides 48–96 px, odd aspect ratios; the walks were written against them), every other image colour (a tinted copy of the grey part).
 * Small on purpose: the walks through the UI and the CLI train on it in CI.
 */
export const WALK_COUNTS = { free: 60, scratch: 4, spot: 2 } as const
export const WALK_GOOD = 'free'

export interface WalkFile {
  path: string
  className: keyof typeof WALK_COUNTS
  width: number
  height: number
  colour: boolean
}

export async function writeWalkSet(root: string, seed = 31): Promise<WalkFile[]> {
  const files: WalkFile[] = []
  let n = 0
  for (const [className, count] of Object.entries(WALK_COUNTS) as Array<[keyof typeof WALK_COUNTS, number]>) {
    await mkdir(join(root, className), { recursive: true })
    for (let i = 0; i < count; i++, n++) {
      // The hard set's good class is 'good'; the drawing is the same under any name.
      const drawn = drawHardImage(mulberry32(hashSeed(seed, className, i)), className === WALK_GOOD ? 'good' : (className as HardDefectKind), 'ci', HARD_PARAMS_V1)
      const colour = n % 2 === 1
      const grey = Buffer.from(drawn.pixels.buffer, drawn.pixels.byteOffset, drawn.pixels.byteLength)
      const bytes = colour
        ? await sharp(tint(grey, n), { raw: { width: drawn.width, height: drawn.height, channels: 3 } }).png().toBuffer()
        : await sharp(grey, { raw: { width: drawn.width, height: drawn.height, channels: 1 } }).toColourspace('b-w').png().toBuffer()
      const path = join(root, className, `${className}-${String(i + 1).padStart(3, '0')}.png`)
      await writeFile(path, bytes)
      files.push({ path, className, width: drawn.width, height: drawn.height, colour })
    }
  }
  return files
}

/** A grey part as a tinted colour photo: each channel its own gain (1 ± 0.15). */
function tint(grey: Buffer, n: number): Buffer {
  const gains = [1 + 0.15 * Math.sin(n), 1, 1 - 0.15 * Math.cos(n)]
  const out = Buffer.alloc(grey.length * 3)
  for (let p = 0; p < grey.length; p++) for (let c = 0; c < 3; c++) out[p * 3 + c] = Math.min(255, Math.round(grey[p]! * gains[c]!))
  return out
}
