import { writeFile } from 'node:fs/promises'
import sharp from 'sharp'

/** Default frame size of the fake camera video (Chromium's --use-file-for-fake-video-capture). */
export const W = 320
export const H = 240

export interface Y4mOptions {
  /** Frame size (even numbers: 4:2:0 halves both). Default 320×240. */
  width?: number
  height?: number
  /** Frames per second written in the header; Chromium plays the file at this rate. Default 10. */
  fps?: number
}

/** YUV4MPEG2 4:2:0 (BT.601, full range as Chromium's reader expects for C420jpeg). */
export async function writeY4m(file: string, images: string[], repeats: number, opts: Y4mOptions = {}): Promise<void> {
  const width = opts.width ?? W
  const height = opts.height ?? H
  if (width % 2 !== 0 || height % 2 !== 0) throw new Error(`y4m 4:2:0 needs an even frame size, got ${width}×${height}`)
  const frames: Buffer[] = []
  for (const path of images) {
    const { data } = await sharp(path).resize(width, height, { fit: 'fill' }).removeAlpha().raw().toBuffer({ resolveWithObject: true })
    const y = Buffer.alloc(width * height)
    const u = Buffer.alloc((width / 2) * (height / 2))
    const v = Buffer.alloc((width / 2) * (height / 2))
    for (let j = 0; j < height; j++)
      for (let i = 0; i < width; i++) {
        const p = (j * width + i) * 3
        const r = data[p]!
        const g = data[p + 1]!
        const b = data[p + 2]!
        y[j * width + i] = Math.round(0.299 * r + 0.587 * g + 0.114 * b)
        if (j % 2 === 0 && i % 2 === 0) {
          const k = (j / 2) * (width / 2) + i / 2
          u[k] = Math.max(0, Math.min(255, Math.round(128 - 0.168736 * r - 0.331264 * g + 0.5 * b)))
          v[k] = Math.max(0, Math.min(255, Math.round(128 + 0.5 * r - 0.418688 * g - 0.081312 * b)))
        }
      }
    const frame = Buffer.concat([Buffer.from('FRAME\n'), y, u, v])
    for (let r = 0; r < repeats; r++) frames.push(frame)
  }
  await writeFile(file, Buffer.concat([Buffer.from(`YUV4MPEG2 W${width} H${height} F${opts.fps ?? 10}:1 Ip A1:1 C420jpeg\n`), ...frames]))
}
