import sharp from 'sharp'
import { withDecodeSlot } from '../../imaging/decode-slots'
import type { TrainSample } from './batches'

/**
 * Whether a project's training images are all grey (auto recipe: the one-channel stem,
 * recipe.ts). It runs before every auto Retrain, so it must stay cheap on real projects: a
 * 5 MP grey photo saved as RGB JPEG took ~50 ms to decode in full and compare, i.e. minutes
 * for a few thousand photos at each retrain (docs/accuracy.md, "The grey check").
 *
 * - An image stored with one channel (± alpha) is grey from its header alone.
 * - Otherwise it is decoded at most CHECK_SIDE px on its long side, with the decoder's own
 *   shrink (JPEG's DCT scaling) and an averaging reduce for the rest. Every step treats the
 *   three channels alike, so a grey image stays exactly R = G = B (JPEG's neutral chroma
 *   decodes to equal channels at any scale), and colour survives as an average over the
 *   pixels each output pixel covers: only a colour speck too small or faint to move that
 *   average by one level passes as grey (then the model reads its luma, as for every grey
 *   image).
 * - Results are kept per image content (TrainSample.key is the image's sha256) for the
 *   life of the process, so the app's engine worker checks each image once.
 */

/** Long side of the decode the check looks at. */
export const CHECK_SIDE = 512
/** Images checked at once (decodes run in libuv's pool, within the decode slots). */
const CONCURRENCY = 4
const MAX_CACHED = 200_000

const greyByContent = new Map<string, boolean>()

/**
 * How many training images are grey, looking at every one until the first colour image
 * (then the answer is "not all" and the rest need not be read). Grey = one stored channel
 * (with or without alpha), or RGB whose pixels all have R = G = B (a grey photo saved as
 * RGB). An image that does not decode counts as colour: the one-channel stem is chosen
 * only when every image was seen to be grey.
 */
export async function greyCount(train: TrainSample[]): Promise<{ grey: number; total: number; firstColour: string | null }> {
  let grey = 0
  for (let start = 0; start < train.length; start += CONCURRENCY) {
    const chunk = train.slice(start, start + CONCURRENCY)
    const answers = await Promise.all(chunk.map((s) => isGreyCached(s)))
    // In training order: the first colour image ends the count.
    for (let i = 0; i < chunk.length; i++) {
      if (!answers[i]) return { grey, total: train.length, firstColour: chunk[i]!.key }
      grey++
    }
  }
  return { grey, total: train.length, firstColour: null }
}

async function isGreyCached(s: TrainSample): Promise<boolean> {
  const known = greyByContent.get(s.key)
  if (known !== undefined) return known
  const grey = await isGreyImage(s)
  if (greyByContent.size >= MAX_CACHED) greyByContent.clear()
  greyByContent.set(s.key, grey)
  return grey
}

async function isGreyImage(s: TrainSample): Promise<boolean> {
  try {
    const bytes = await s.load()
    const meta = await withDecodeSlot(() => sharp(bytes).metadata())
    if (meta.channels !== undefined && meta.channels <= 2) return true
    const { data, info } = await withDecodeSlot(() =>
      sharp(bytes, { failOn: 'error' })
        .resize({ width: CHECK_SIDE, height: CHECK_SIDE, fit: 'inside', withoutEnlargement: true, fastShrinkOnLoad: true, kernel: 'linear' })
        .toColourspace('srgb')
        .removeAlpha()
        .raw()
        .toBuffer({ resolveWithObject: true })
    )
    if (info.channels < 3) return true
    for (let p = 0; p + 2 < data.length; p += info.channels) if (data[p] !== data[p + 1] || data[p] !== data[p + 2]) return false
    return true
  } catch {
    return false
  }
}

/** Forget every cached answer (tests). */
export function clearGreyCache(): void {
  greyByContent.clear()
}
