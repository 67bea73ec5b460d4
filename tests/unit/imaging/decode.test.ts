import { execFileSync } from 'node:child_process'
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEFAULT_DECODE_LIMITS, decodeImage, ImageRejectedError, readImageFile, rejectFromErrno, sniffFormat } from '../../../electron/imaging/decode'

const FIXTURES = join(process.cwd(), 'tests/fixtures/images')
let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ds-decode-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

async function rejection(promise: Promise<unknown>): Promise<ImageRejectedError> {
  try {
    await promise
  } catch (error) {
    expect(error).toBeInstanceOf(ImageRejectedError)
    return error as ImageRejectedError
  }
  throw new Error('expected a rejection')
}

async function decodeFixture(name: string) {
  return decodeImage(name, await readFile(join(FIXTURES, name)))
}

describe('decodeImage: good files', () => {
  it.each([
    ['good.jpg', 'jpeg', 3],
    ['good.png', 'png', 3],
    ['good.webp', 'webp', 3],
    ['good.tiff', 'tiff', 3],
    ['grey.png', 'png', 1],
    ['傷_サンプル.png', 'png', 3],
    ['خدش.png', 'png', 3],
    ['bolt-🔩.jpg', 'jpeg', 3]
  ])('%s decodes as %s with a thumbnail', async (name, format, channels) => {
    const d = await decodeFixture(name)
    expect(d).toMatchObject({ format, width: 40, height: 30, channels })
    const thumb = await sharp(d.thumbnail.bytes).metadata()
    expect(thumb.format).toBe('webp')
    expect([thumb.width, thumb.height]).toEqual([40, 30]) // never enlarged
  })

  it('shrinks large images to the thumbnail size, keeping the aspect ratio', async () => {
    const big = await sharp({ create: { width: 1000, height: 500, channels: 3, background: '#808080' } }).png().toBuffer()
    const d = await decodeImage('big.png', big)
    expect([d.thumbnail.width, d.thumbnail.height]).toEqual([256, 128])
  })
})

describe('decodeImage: each kind of bad file has its own reason', () => {
  it.each([
    ['zero-byte.jpg', 'empty', /empty \(0 bytes\)/],
    ['truncated.jpg', 'corrupt', /truncated JPEG/],
    ['corrupt.png', 'corrupt', /damaged PNG/],
    ['text-named.jpg', 'not-an-image', /not an image/],
    ['svg-named.png', 'unsupported-format', /SVG, which is not supported/],
    ['animated.gif', 'unsupported-format', /GIF, which is not supported/],
    ['tiny.bmp', 'unsupported-format', /BMP, which is not supported/],
    ['bomb-header.png', 'too-many-pixels', /20000 × 20000 = 400\.0 megapixels.*decompression bomb/],
    ['strip-header.png', 'too-large-dimensions', /100000 × 1 pixels; sides longer than 30000/]
  ])('%s → %s', async (name, code, message) => {
    const e = await rejection(decodeFixture(name))
    expect(e.code).toBe(code)
    expect(e.reason).toMatch(message)
    expect(e.message).toContain(name)
  })

  it('enforces the pixel limit during a real decode too', async () => {
    const e = await rejection(decodeImage('good.png', await readFile(join(FIXTURES, 'good.png')), { ...DEFAULT_DECODE_LIMITS, maxPixels: 1000 }))
    expect(e.code).toBe('too-many-pixels')
  })

  it('sniffs content, not extensions', () => {
    expect(sniffFormat(Buffer.from([0xff, 0xd8, 0xff, 0xe0]))).toBe('jpeg')
    expect(sniffFormat(Buffer.from('RIFF\0\0\0\0WEBPVP8 '))).toBe('webp')
    expect(sniffFormat(Buffer.from('II*\0'))).toBe('tiff')
    expect(sniffFormat(Buffer.from('\0\0\0\x18ftypheic'))).toBe('heif')
    expect(sniffFormat(Buffer.from('%PDF-1.7'))).toBe('pdf')
    expect(sniffFormat(Buffer.from('hello'))).toBeNull()
  })
})

describe('readImageFile: file system cases', () => {
  it('refuses a folder named like an image', async () => {
    const folder = join(dir, 'looks-like.jpg')
    await mkdir(folder)
    const e = await rejection(readImageFile(folder))
    expect(e.code).toBe('not-a-file')
  })

  it('refuses a symbolic link loop', async () => {
    await symlink(join(dir, 'loop-b.jpg'), join(dir, 'loop-a.jpg'))
    await symlink(join(dir, 'loop-a.jpg'), join(dir, 'loop-b.jpg'))
    const e = await rejection(readImageFile(join(dir, 'loop-a.jpg')))
    expect(e.code).toBe('symlink-loop')
  })

  it('refuses a broken link and a missing file', async () => {
    await symlink(join(dir, 'nowhere.png'), join(dir, 'dangling.png'))
    expect((await rejection(readImageFile(join(dir, 'dangling.png')))).code).toBe('not-found')
    expect((await rejection(readImageFile(join(dir, 'missing.png')))).code).toBe('not-found')
  })

  it('refuses a named pipe without blocking on it', async () => {
    const fifo = join(dir, 'camera.jpg')
    execFileSync('mkfifo', [fifo])
    expect((await rejection(readImageFile(fifo))).code).toBe('not-a-file')
  })

  it('refuses empty and oversized files before reading them', async () => {
    await writeFile(join(dir, 'empty.png'), '')
    expect((await rejection(readImageFile(join(dir, 'empty.png')))).code).toBe('empty')
    await writeFile(join(dir, 'big.png'), Buffer.alloc(2048))
    expect((await rejection(readImageFile(join(dir, 'big.png'), { ...DEFAULT_DECODE_LIMITS, maxFileBytes: 1024 }))).code).toBe('file-too-large')
  })

  it('maps permission errors to "unreadable" (tests run as root, so the errno is simulated)', () => {
    const eacces = Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' })
    const e = rejectFromErrno('/secure/part.png', eacces)
    expect(e.code).toBe('unreadable')
    expect(e.reason).toMatch(/permission denied/)
    expect(rejectFromErrno('x', Object.assign(new Error('x'), { code: 'ELOOP' })).code).toBe('symlink-loop')
  })
})
