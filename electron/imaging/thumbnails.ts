import sharp from 'sharp'
import { withDecodeSlot } from './decode-slots'

/** Longest side of a grid thumbnail, in pixels (the grid shows them at up to ~160 CSS px on 1.5× screens). */
export const THUMBNAIL_SIZE = 256

export interface Thumbnail {
  mime: string
  width: number
  height: number
  bytes: Buffer
}

/**
 * A WebP thumbnail, EXIF-orientation applied, never enlarged. Decoding the whole image
 * here doubles as the full validity check (a truncated JPEG fails in this pipeline).
 */
export async function makeThumbnail(input: Buffer, opts: { limitInputPixels: number; size?: number }): Promise<Thumbnail> {
  const size = opts.size ?? THUMBNAIL_SIZE
  const { data, info } = await withDecodeSlot(() =>
    sharp(input, { failOn: 'error', limitInputPixels: opts.limitInputPixels, pages: 1 })
      .rotate()
      .resize(size, size, { fit: 'inside', withoutEnlargement: true })
      .webp({ quality: 78 })
      .toBuffer({ resolveWithObject: true })
  )
  return { mime: 'image/webp', width: info.width, height: info.height, bytes: data }
}
