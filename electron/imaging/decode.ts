import { truncatedFormat, truncatedReason } from './truncation'
import { constants as fsConstants } from 'node:fs'
import { open, stat } from 'node:fs/promises'
import sharp, { type Metadata } from 'sharp'
import { withDecodeSlot } from './decode-slots'
import { makeThumbnail, type Thumbnail } from './thumbnails'

/**
 * Validation of untrusted image files: every way a file can be bad maps to one reason
 * code and a sentence a person can act on. Nothing here throws anything else.
 */

/** Formats a project stores (and that every part of the app, sharp included, decodes). */
export const SUPPORTED_FORMATS = ['jpeg', 'png', 'webp', 'tiff'] as const
export type SupportedFormat = (typeof SUPPORTED_FORMATS)[number]

export interface DecodeLimits {
  /** Decompression-bomb guard: width × height above this is refused before decoding. */
  maxPixels: number
  /** Refuse images with a side longer than this (e.g. a 100000 × 10 strip). */
  maxSide: number
  /** Refuse files larger than this before reading them into memory. */
  maxFileBytes: number
}

/** 100 MP covers a 12k × 8k line-scan frame; 30k px sides; 512 MiB files. */
export const DEFAULT_DECODE_LIMITS: DecodeLimits = { maxPixels: 100_000_000, maxSide: 30_000, maxFileBytes: 512 * 1024 * 1024 }

export type RejectCode =
  | 'not-found'
  | 'not-a-file'
  | 'symlink-loop'
  | 'unreadable'
  | 'empty'
  | 'file-too-large'
  | 'not-an-image'
  | 'unsupported-format'
  | 'too-many-pixels'
  | 'too-large-dimensions'
  | 'corrupt'

/** A file that cannot become a project image, and why. */
export class ImageRejectedError extends Error {
  constructor(
    readonly file: string,
    readonly code: RejectCode,
    readonly reason: string
  ) {
    super(`${file}: ${reason}`)
    this.name = 'ImageRejectedError'
  }
}

export interface DecodedImage {
  format: SupportedFormat
  width: number
  height: number
  channels: number
  thumbnail: Thumbnail
}

/** What the file's first bytes say it is (extensions lie; content does not). */
export function sniffFormat(bytes: Uint8Array): string | null {
  const b = bytes
  const ascii = (from: number, to: number) => String.fromCharCode(...b.subarray(from, to))
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg'
  if (b.length >= 8 && b[0] === 0x89 && ascii(1, 4) === 'PNG' && b[4] === 0x0d && b[5] === 0x0a) return 'png'
  if (b.length >= 12 && ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return 'webp'
  if (b.length >= 4 && ((b[0] === 0x49 && b[1] === 0x49 && b[2] === 0x2a && b[3] === 0) || (b[0] === 0x4d && b[1] === 0x4d && b[2] === 0 && b[3] === 0x2a))) return 'tiff'
  if (b.length >= 6 && ascii(0, 4) === 'GIF8') return 'gif'
  if (b.length >= 2 && ascii(0, 2) === 'BM') return 'bmp'
  if (b.length >= 12 && ascii(4, 8) === 'ftyp') {
    const brand = ascii(8, 12)
    return brand.startsWith('avi') ? 'avif' : 'heif'
  }
  if (b.length >= 4 && b[0] === 0 && b[1] === 0 && b[2] === 1 && b[3] === 0) return 'ico'
  if (b.length >= 4 && ascii(0, 4) === '8BPS') return 'psd'
  if (b.length >= 4 && ascii(0, 4) === '%PDF') return 'pdf'
  const head = ascii(0, Math.min(b.length, 256)).trimStart().toLowerCase()
  if (head.startsWith('<svg') || (head.startsWith('<?xml') && head.includes('<svg'))) return 'svg'
  return null
}

const SUPPORTED_LIST = 'JPEG, PNG, WebP or TIFF'

/**
 * Read a candidate file safely: refuse folders, devices and pipes (reading a FIFO would
 * block forever), symlink loops, empty and oversized files before reading any bytes.
 */
export async function readImageFile(file: string, limits: DecodeLimits = DEFAULT_DECODE_LIMITS): Promise<Buffer> {
  let info
  try {
    info = await stat(file)
  } catch (error) {
    throw rejectFromErrno(file, error)
  }
  if (info.isDirectory()) throw new ImageRejectedError(file, 'not-a-file', 'is a folder, not an image file.')
  if (!info.isFile()) throw new ImageRejectedError(file, 'not-a-file', 'is not a regular file (a device, pipe or socket). Copy the image to a normal file.')
  if (info.size === 0) throw new ImageRejectedError(file, 'empty', 'is empty (0 bytes). The copy or camera transfer probably failed; copy it again.')
  if (info.size > limits.maxFileBytes) {
    throw new ImageRejectedError(file, 'file-too-large', `is ${formatBytes(info.size)}, above the ${formatBytes(limits.maxFileBytes)} limit for one image.`)
  }
  try {
    // O_NONBLOCK: if the file was swapped for a FIFO since stat, open does not hang.
    const handle = await open(file, fsConstants.O_RDONLY | (fsConstants.O_NONBLOCK ?? 0))
    try {
      return await handle.readFile()
    } finally {
      await handle.close()
    }
  } catch (error) {
    throw rejectFromErrno(file, error)
  }
}

/** Map an errno from stat/open/read to a reason. */
export function rejectFromErrno(file: string, error: unknown): ImageRejectedError {
  const code = (error as NodeJS.ErrnoException | null)?.code
  switch (code) {
    case 'ENOENT':
      return new ImageRejectedError(file, 'not-found', 'does not exist (or is a broken symbolic link).')
    case 'ELOOP':
      return new ImageRejectedError(file, 'symlink-loop', 'is a symbolic link that loops back on itself. Point it at a real file.')
    case 'EACCES':
    case 'EPERM':
      return new ImageRejectedError(file, 'unreadable', 'cannot be read: permission denied. Give your user read access to it.')
    case 'EISDIR':
      return new ImageRejectedError(file, 'not-a-file', 'is a folder, not an image file.')
    case 'ENAMETOOLONG':
      return new ImageRejectedError(file, 'unreadable', 'has a path too long for this system. Move it to a shorter path.')
    default:
      return new ImageRejectedError(file, 'unreadable', `cannot be read (${code ?? (error as Error)?.message ?? 'unknown error'}).`)
  }
}

/**
 * Check that bytes are a supported, whole, reasonably sized image and make its
 * thumbnail. Order: content sniffing, header dimensions (no pixel decoded yet, so a
 * decompression bomb costs nothing), then a full decode with sharp's limits.
 */
export async function decodeImage(file: string, bytes: Buffer, limits: DecodeLimits = DEFAULT_DECODE_LIMITS): Promise<DecodedImage> {
  if (bytes.length === 0) throw new ImageRejectedError(file, 'empty', 'is empty (0 bytes). The copy or camera transfer probably failed; copy it again.')
  const sniffed = sniffFormat(bytes)
  if (sniffed === null) {
    throw new ImageRejectedError(file, 'not-an-image', `is not an image: its content is not ${SUPPORTED_LIST} whatever its extension says.`)
  }
  if (!(SUPPORTED_FORMATS as readonly string[]).includes(sniffed)) {
    throw new ImageRejectedError(file, 'unsupported-format', `is ${sniffed.toUpperCase()}, which is not supported. Convert it to ${SUPPORTED_LIST}.`)
  }
  let meta: Metadata
  try {
    meta = await withDecodeSlot(() => sharp(bytes, { failOn: 'error', limitInputPixels: false, pages: 1 }).metadata())
  } catch (error) {
    throw corruptError(file, sniffed, firstLine(error), bytes)
  }
  const width = meta.width ?? 0
  const height = meta.height ?? 0
  if (width <= 0 || height <= 0) throw new ImageRejectedError(file, 'corrupt', `is a damaged ${sniffed.toUpperCase()} file (no valid dimensions in its header).`)
  if (width > limits.maxSide || height > limits.maxSide) {
    throw new ImageRejectedError(file, 'too-large-dimensions', `is ${width} × ${height} pixels; sides longer than ${limits.maxSide} px are refused.`)
  }
  if (width * height > limits.maxPixels) {
    throw new ImageRejectedError(
      file,
      'too-many-pixels',
      `is ${width} × ${height} = ${(width * height / 1e6).toFixed(1)} megapixels, above the ${(limits.maxPixels / 1e6).toFixed(1)} MP limit (a possible decompression bomb). Downscale it first.`
    )
  }
  let thumbnail: Thumbnail
  try {
    thumbnail = await makeThumbnail(bytes, { limitInputPixels: limits.maxPixels })
  } catch (error) {
    const message = firstLine(error)
    if (/pixel limit/i.test(message)) {
      throw new ImageRejectedError(file, 'too-many-pixels', `exceeds the ${(limits.maxPixels / 1e6).toFixed(1)} MP pixel limit (a possible decompression bomb).`)
    }
    throw corruptError(file, sniffed, message, bytes)
  }
  return { format: sniffed as SupportedFormat, width, height, channels: meta.channels ?? 3, thumbnail }
}

/** Full decode check for an already stored image (used by integrity checks and tests). */
export async function verifyDecodes(bytes: Buffer): Promise<boolean> {
  try {
    await withDecodeSlot(() => sharp(bytes, { failOn: 'error', pages: 1 }).stats())
    return true
  } catch {
    return false
  }
}

function corruptError(file: string, format: string, message: string, bytes: Uint8Array): ImageRejectedError {
  const cut = truncatedFormat(bytes)
  if (cut) return new ImageRejectedError(file, 'corrupt', truncatedReason(cut))
  const truncated = /premature end|truncat|unexpected end/i.test(message)
  return new ImageRejectedError(file, 'corrupt', `is a ${truncated ? 'truncated' : 'damaged'} ${format.toUpperCase()} file (${message}). Copy it again from the source.`)
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!.slice(0, 200)
}

function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MiB` : `${(n / 1024).toFixed(1)} KiB`
}
