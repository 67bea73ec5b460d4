import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { decodeRgb } from '../../../electron/imaging/preprocess'
import { truncatedFormat } from '../../../electron/imaging/truncation'
import { importImages } from '../../../electron/services/import-service'
import { createProject } from '../../../electron/store/project-store'

// Issue 12 item 8: a PNG cut short (an interrupted copy) is refused as "truncated", with the
// cause, not as a decoder's "read error" or "Unknown error".
const FIXTURES = join(process.cwd(), 'tests/fixtures/images')

describe('truncated images', () => {
  const png = readFileSync(join(FIXTURES, 'good.png'))
  const jpg = readFileSync(join(FIXTURES, 'good.jpg'))

  it('are recognised from their structure, whole files are not', () => {
    expect(truncatedFormat(png)).toBeNull()
    expect(truncatedFormat(jpg)).toBeNull()
    for (const cut of [png.length - 1, png.length - 12, Math.floor(png.length / 2), 40]) expect(truncatedFormat(png.subarray(0, cut)), String(cut)).toBe('PNG')
    expect(truncatedFormat(jpg.subarray(0, jpg.length - 2))).toBe('JPEG')
    expect(truncatedFormat(Buffer.from('not an image'))).toBeNull()
  })

  it('import rejects truncated.png with a specific reason; inspection decode says the same', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ds-truncated-'))
    mkdirSync(join(dir, 'photos'))
    writeFileSync(join(dir, 'photos', 'truncated.png'), png.subarray(0, Math.floor(png.length * 0.6)))
    copyFileSync(join(FIXTURES, 'good.png'), join(dir, 'photos', 'whole.png'))
    const store = createProject(join(dir, 'p.dsproj'))
    try {
      const report = await importImages(store, { kind: 'files', paths: [join(dir, 'photos', 'truncated.png'), join(dir, 'photos', 'whole.png')] })
      expect(report.imported).toBe(1)
      expect(report.rejected).toEqual([{ file: join(dir, 'photos', 'truncated.png'), code: 'corrupt', reason: expect.stringMatching(/^is a truncated PNG file: it ends before its last chunk \(IEND\)/) }])
    } finally {
      store.close()
    }
    await expect(decodeRgb(png.subarray(0, Math.floor(png.length * 0.6)))).rejects.toThrow(/truncated PNG file/)
  })
})
