import sharp from 'sharp'
import { withDecodeSlot } from '../../imaging/decode-slots'
import type { RawImage } from '../../../shared/demo/parts'

// The drawing is pure and lives in shared/ (the renderer's demo camera draws the same parts).
export { DEMO_DEFECTS, renderPart, type DemoDefect, type DemoKind, type PartSpec, type RawImage } from '../../../shared/demo/parts'

export async function encodeImage(img: RawImage, format: 'png' | 'jpeg' = 'png'): Promise<Buffer> {
  const s = sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength), { raw: { width: img.width, height: img.height, channels: img.channels } })
  return withDecodeSlot(() => (format === 'png' ? s.png().toBuffer() : s.jpeg({ quality: 90 }).toBuffer()))
}
