import { writeFile } from 'node:fs/promises'
import sharp from 'sharp'

/** Frame size of the fake camera video (Chromium's --use-file-for-fake-video-capture). */
export const W = 320
export const H = 240

/** YUV4MPEG2 4:2:0 (BT.601, full range as Chromium's reader expects for C420jpeg). */
export async function writeY4m(file: string, images: string[], repeats: number): Promise<void> {
  const frames: Buffer[] = []
  for (const path of images) {
    const { data } = await sharp(path).resize(W, H, { fit: 'fill' }).removeAlpha().raw().toBuffer({ resolveWithObject: true })
    const y = Buffer.alloc(W * H)
    const u = Buffer.alloc((W / 2) * (H / 2))
    const v = Buffer.alloc((W / 2) * (H / 2))
    for (let j = 0; j < H; j++)
      for (let i = 0; i < W; i++) {
        const p = (j * W + i) * 3
        const r = data[p]!
        const g = data[p + 1]!
        const b = data[p + 2]!
        y[j * W + i] = Math.round(0.299 * r + 0.587 * g + 0.114 * b)
        if (j % 2 === 0 && i % 2 === 0) {
          const k = (j / 2) * (W / 2) + i / 2
          u[k] = Math.max(0, Math.min(255, Math.round(128 - 0.168736 * r - 0.331264 * g + 0.5 * b)))
          v[k] = Math.max(0, Math.min(255, Math.round(128 + 0.5 * r - 0.418688 * g - 0.081312 * b)))
        }
      }
    const frame = Buffer.concat([Buffer.from('FRAME\n'), y, u, v])
    for (let r = 0; r < repeats; r++) frames.push(frame)
  }
  await writeFile(file, Buffer.concat([Buffer.from(`YUV4MPEG2 W${W} H${H} F10:1 Ip A1:1 C420jpeg\n`), ...frames]))
}

