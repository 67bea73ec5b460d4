import sharp from 'sharp'

/**
 * Pictures for tests that compare what a model is fed from a file, a raw camera frame and a
 * prepared frame: odd sizes with detail at every scale, so a resize or channel error shows.
 */

/** An RGB picture [H, W, 3] uint8 with detail at every scale; `grey` makes R = G = B. */
export function detailedPicture(width: number, height: number, grey = false, seed = 12345): Uint8Array {
  const rgb = new Uint8Array(width * height * 3)
  let s = seed
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      s = (s * 1103515245 + 12345) >>> 0
      const noise = s >>> 27
      const o = (y * width + x) * 3
      const r = (x * 7 + y * 3 + noise) & 255
      rgb[o] = r
      rgb[o + 1] = grey ? r : (x * y + noise * 5) & 255
      rgb[o + 2] = grey ? r : ((x ^ y) * 3) & 255
    }
  }
  return rgb
}

/** The same pixels as a camera gives them: RGBA, alpha 255. */
export function rgbaOf(rgb: Uint8Array): Uint8Array {
  const n = rgb.length / 3
  const out = new Uint8Array(n * 4)
  for (let i = 0; i < n; i++) {
    out.set(rgb.subarray(i * 3, i * 3 + 3), i * 4)
    out[i * 4 + 3] = 255
  }
  return out
}

/** A lossless PNG of the picture; `grey` stores it with one channel, as a grey camera's file. */
export async function pngOf(rgb: Uint8Array, width: number, height: number, grey = false): Promise<Buffer> {
  const img = sharp(Buffer.from(rgb), { raw: { width, height, channels: 3 } })
  return (grey ? img.toColourspace('b-w') : img).png().toBuffer()
}
