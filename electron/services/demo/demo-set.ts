import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { encodeImage, renderPart, type DemoKind } from './parts'

/**
 * A folder of generated parts laid out by class (root/<class>/<class>-0001.png), the
 * layout a user's own photos come in, so the demo goes through the real import.
 */

export interface DemoClass {
  /** Folder (class) name; any name, the good class need not be called "ok". */
  name: string
  kind: DemoKind
  count: number
}

export interface DemoSetOptions {
  root: string
  classes: DemoClass[]
  seed?: number
  /** gray: 1-channel PNGs; rgb: colour; mixed: alternating (default). */
  colour?: 'gray' | 'rgb' | 'mixed'
  /** Image size; 'mixed' alternates 96×96 and 112×88 (default). */
  size?: { width: number; height: number } | 'mixed'
}

export interface DemoFile {
  file: string
  className: string
  kind: DemoKind
  colour: boolean
}

export async function writeDemoSet(opts: DemoSetOptions): Promise<DemoFile[]> {
  const seed = opts.seed ?? 1
  const files: DemoFile[] = []
  let n = 0
  for (const c of opts.classes) {
    const folder = join(opts.root, c.name)
    await mkdir(folder, { recursive: true })
    for (let i = 0; i < c.count; i++, n++) {
      const colour = opts.colour === 'rgb' ? true : opts.colour === 'gray' ? false : n % 2 === 1
      const size = opts.size === undefined || opts.size === 'mixed' ? (n % 3 === 2 ? { width: 112, height: 88 } : { width: 96, height: 96 }) : opts.size
      const image = renderPart({ kind: c.kind, ...size, colour, seed: seed * 100_003 + n })
      const file = join(folder, `${c.name}-${String(i + 1).padStart(4, '0')}.png`)
      await writeFile(file, await encodeImage(image))
      files.push({ file, className: c.name, kind: c.kind, colour })
    }
  }
  return files
}
