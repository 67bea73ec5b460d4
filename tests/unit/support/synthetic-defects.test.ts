import { createHash } from 'node:crypto'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterAll, describe, expect, it } from 'vitest'
import { drawImage, generateSyntheticSet, mulberry32 } from '../../support/synthetic-defects'

const roots: string[] = []
async function tempRoot(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ds-synth-'))
  roots.push(dir)
  return join(dir, 'set')
}
afterAll(async () => {
  for (const r of roots) await rm(r, { recursive: true, force: true })
})

async function digest(files: Array<{ path: string }>): Promise<string> {
  const h = createHash('sha256')
  for (const f of files) h.update(f.path.split('/set/')[1]!).update(await readFile(f.path))
  return h.digest('hex')
}

describe('generateSyntheticSet', () => {
  it('is byte-identical for the same seed and differs for another seed', async () => {
    const counts = { ok: 3, scratch: 2, spot: 2, crack: 2, dent: 2 }
    const a = await generateSyntheticSet({ root: await tempRoot(), seed: 7, counts, colour: 'mixed' })
    const b = await generateSyntheticSet({ root: await tempRoot(), seed: 7, counts, colour: 'mixed' })
    const c = await generateSyntheticSet({ root: await tempRoot(), seed: 8, counts, colour: 'mixed' })
    expect(await digest(a.files)).toBe(await digest(b.files))
    expect(await digest(a.files)).not.toBe(await digest(c.files))
  })

  it('writes the imagefolder layout with an exact per-class val share', async () => {
    const root = await tempRoot()
    const { files } = await generateSyntheticSet({ root, seed: 1, counts: { ok: 10, spot: 5 }, layout: 'imagefolder', valFraction: 0.2 })
    expect(files.filter((f) => f.className === 'ok' && f.split === 'val')).toHaveLength(2)
    expect(files.filter((f) => f.className === 'spot' && f.split === 'val')).toHaveLength(1)
    for (const f of files) expect(f.path).toContain(join(root, f.split, f.className))
  })

  it('writes mvtec layout with masks that cover the drawn defect', async () => {
    const root = await tempRoot()
    const { files } = await generateSyntheticSet({ root, seed: 3, counts: { ok: 5, scratch: 2, crack: 2 }, layout: 'mvtec', masks: true, format: 'jpeg' })
    expect(files.filter((f) => f.split === 'train').every((f) => f.className === 'ok' && f.path.includes('/train/good/'))).toBe(true)
    const defects = files.filter((f) => f.className !== 'ok')
    expect(defects.every((f) => f.split === 'test' && f.maskPath?.includes('/ground_truth/'))).toBe(true)
    for (const f of defects) {
      const { data } = await sharp(f.maskPath!).raw().toBuffer({ resolveWithObject: true })
      const covered = data.filter((v) => v === 255).length
      expect(covered).toBeGreaterThan(20) // a visible defect, not a speck
      expect(covered).toBeLessThan(data.length / 2)
    }
  })

  it('draws defects that differ clearly from the texture inside the mask', () => {
    for (const kind of ['scratch', 'spot', 'crack', 'dent']) {
      for (let seed = 0; seed < 5; seed++) {
        const img = drawImage(mulberry32(seed), kind, { colour: 'gray' })
        const good = drawImage(mulberry32(seed), 'ok', { colour: 'gray' })
        // Same stream up to the defect: compare mean absolute change inside the mask.
        let diff = 0
        let n = 0
        for (let p = 0; p < img.mask.length; p++)
          if (img.mask[p] === 255) {
            diff += Math.abs(img.pixels[p]! - good.pixels[p]!)
            n++
          }
        expect(n).toBeGreaterThan(0)
        expect(diff / n).toBeGreaterThan(15)
      }
    }
  })

  it('varies sizes (odd sides) and channels when asked', async () => {
    const { files } = await generateSyntheticSet({ root: await tempRoot(), seed: 2, counts: { ok: 8 }, mixedSizes: true, colour: 'mixed' })
    const metas = await Promise.all(files.map((f) => sharp(f.path).metadata()))
    expect(new Set(metas.map((m) => m.channels)).size).toBe(2)
    expect(metas.every((m) => m.width! % 2 === 1 && m.height! % 2 === 1)).toBe(true)
    expect(new Set(metas.map((m) => `${m.width}x${m.height}`)).size).toBeGreaterThan(1)
  })

  it('rejects an unknown class name with a clear message', async () => {
    await expect(generateSyntheticSet({ root: await tempRoot(), seed: 1, counts: { rust: 1 } })).rejects.toThrow(/Unknown class "rust"/)
  })
})
