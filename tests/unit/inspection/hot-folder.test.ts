import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { open, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { HistoryStore } from '../../../electron/store/history/history-store'
import { HotFolder, looksComplete } from '../../../electron/services/inspection/hot-folder'

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

async function pngBytes(seed: number): Promise<Buffer> {
  // A noisy 64x64 image so the PNG is several KB and can be written in slow pieces.
  const raw = Buffer.alloc(64 * 64 * 3)
  let s = seed
  for (let i = 0; i < raw.length; i++) raw[i] = (s = (s * 1103515245 + 12345) >>> 0) >>> 24
  return sharp(raw, { raw: { width: 64, height: 64, channels: 3 } }).png({ compressionLevel: 0 }).toBuffer()
}

/** Write `bytes` in `pieces` chunks with `pauseMs` between them (a slow camera / share). */
async function writeSlowly(file: string, bytes: Buffer, pieces: number, pauseMs: number): Promise<void> {
  const handle = await open(file, 'w')
  const step = Math.ceil(bytes.length / pieces)
  for (let i = 0; i < bytes.length; i += step) {
    await handle.write(bytes.subarray(i, i + step))
    await handle.sync()
    if (i + step < bytes.length) await sleep(pauseMs)
  }
  await handle.close()
}

let dir: string
let watchDir: string
let history: HistoryStore
const folders: HotFolder[] = []
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ds-hot-'))
  watchDir = join(dir, 'in')
  mkdirSync(watchDir)
  history = HistoryStore.open(join(dir, 'p.history.sqlite'))
})
afterEach(async () => {
  for (const f of folders.splice(0)) await f.stop()
  history.close()
  rmSync(dir, { recursive: true, force: true })
})

function startFolder(opts: { moveToOkNg?: boolean } = {}) {
  const seen: Array<{ file: string; bytes: Buffer }> = []
  const errors: string[] = []
  let id = 0
  const folder = new HotFolder({
    folder: watchDir,
    history,
    stabilityMs: 150,
    pollMs: 50,
    moveToOkNg: opts.moveToOkNg,
    onError: (message) => errors.push(message),
    inspect: async (file, bytes) => {
      seen.push({ file, bytes })
      return { verdict: file.includes('bad') ? 'FAIL' : 'PASS', inspectionId: ++id }
    }
  })
  folders.push(folder)
  return { folder, seen, errors }
}

describe('HotFolder', () => {
  it('inspects a slowly written file only once it is complete, and only once', async () => {
    const { folder, seen } = startFolder()
    await folder.start()
    const bytes = await pngBytes(1)
    // Pauses (400 ms) longer than the stability window (150 ms): size checks alone would fire early.
    await writeSlowly(join(watchDir, 'part-1.png'), bytes, 4, 400)
    for (let i = 0; i < 100 && seen.length === 0; i++) await sleep(50)
    await folder.whenIdle()
    await sleep(400)
    await folder.whenIdle()
    expect(seen.length).toBe(1)
    expect(seen[0]!.bytes.equals(bytes)).toBe(true)
  })

  it('remembers what it inspected across restarts (path + size + mtime + hash) and re-inspects changed files', async () => {
    const first = startFolder()
    await writeFile(join(watchDir, 'a.png'), await pngBytes(2))
    await writeFile(join(watchDir, 'b.png'), await pngBytes(3))
    await writeFile(join(watchDir, 'notes.txt'), 'not an image')
    await first.folder.start()
    for (let i = 0; i < 100 && first.seen.length < 2; i++) await sleep(50)
    await first.folder.whenIdle()
    expect(first.seen.map((s) => s.file).sort()).toEqual([join(watchDir, 'a.png'), join(watchDir, 'b.png')])
    await first.folder.stop()

    // Restart: nothing new is inspected; a rewritten file is.
    await writeFile(join(watchDir, 'b.png'), await pngBytes(4))
    const second = startFolder()
    await second.folder.start()
    for (let i = 0; i < 60 && second.seen.length < 1; i++) await sleep(50)
    await sleep(300)
    await second.folder.whenIdle()
    expect(second.seen.map((s) => s.file)).toEqual([join(watchDir, 'b.png')])
  })

  it('moves inspected files to OK/ and NG/', async () => {
    const { folder, seen } = startFolder({ moveToOkNg: true })
    await folder.start()
    await writeFile(join(watchDir, 'good-1.png'), await pngBytes(5))
    await writeFile(join(watchDir, 'bad-1.png'), await pngBytes(6))
    for (let i = 0; i < 100 && seen.length < 2; i++) await sleep(50)
    await folder.whenIdle()
    expect(readdirSync(join(watchDir, 'OK'))).toEqual(['good-1.png'])
    expect(readdirSync(join(watchDir, 'NG'))).toEqual(['bad-1.png'])
    expect(existsSync(join(watchDir, 'good-1.png'))).toBe(false)
    await sleep(300)
    expect(seen.length).toBe(2) // files in OK/ and NG/ are not inspected again
  })

  it('holds new files while paused and inspects them on resume', async () => {
    const { folder, seen } = startFolder()
    await folder.start()
    folder.setPaused(true)
    await writeFile(join(watchDir, 'p1.png'), await pngBytes(8))
    await sleep(800)
    expect(seen.length).toBe(0)
    folder.setPaused(false)
    for (let i = 0; i < 100 && seen.length < 1; i++) await sleep(50)
    await folder.whenIdle()
    expect(seen.map((s) => s.file)).toEqual([join(watchDir, 'p1.png')])
  })

  it('names a non-image as such at once, whether it is called .png or .txt, and inspects the images beside it', async () => {
    const { folder, seen, errors } = startFolder()
    await folder.start()
    const started = Date.now()
    await writeFile(join(watchDir, 'report.png'), 'this is a text file, not a picture\n')
    await writeFile(join(watchDir, 'notes.txt'), 'shift notes')
    await writeFile(join(watchDir, 'good.png'), await pngBytes(3))
    for (let i = 0; i < 100 && (errors.length < 2 || seen.length < 1); i++) await sleep(50)
    await folder.whenIdle()
    // Within seconds (the stability window), not after the 60 s "incomplete" timeout.
    expect(Date.now() - started).toBeLessThan(5_000)
    expect(errors.find((e) => e.includes('"report.png"'))).toMatch(/"report.png" is not an image: its contents are not PNG, JPEG/)
    expect(errors.find((e) => e.includes('"notes.txt"'))).toMatch(/"notes.txt" is not an image \(only \.png, \.jpg/)
    expect(errors.some((e) => /incomplete/.test(e))).toBe(false)
    expect(seen.map((s) => s.file)).toEqual([join(watchDir, 'good.png')])
    // Said once, not on every poll.
    await sleep(400)
    expect(errors.length).toBe(2)
  })

  it('recognises truncated PNG and JPEG files', async () => {
    const png = await pngBytes(7)
    expect(looksComplete('x.png', png)).toBe(true)
    expect(looksComplete('x.png', png.subarray(0, png.length - 20))).toBe(false)
    const jpg = await sharp(png).jpeg().toBuffer()
    expect(looksComplete('x.jpg', jpg)).toBe(true)
    expect(looksComplete('x.jpg', jpg.subarray(0, jpg.length - 100))).toBe(false)
  })
})
