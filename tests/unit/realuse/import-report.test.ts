import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { importImages } from '../../../electron/services/import-service'
import { uploadDisplayName } from '../../../electron/services/upload-names'
import { createProject } from '../../../electron/store/project-store'
import { writeDemoSet } from '../../../electron/services/demo/demo-set'

const FIXTURES = join(process.cwd(), 'tests/fixtures/images')
let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ds-import-report-'))
  process.env.DEFECT_STUDIO_DATA_DIR = join(dir, 'data')
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('the import report says what happened', () => {
  it('announces the automatic validation split, names skipped folders, and marks --good NAME', async () => {
    const root = join(dir, 'flat')
    // The good class is called "free", not ok: nothing would mark it good by name.
    await writeDemoSet({ root, seed: 3, classes: [{ name: 'free', kind: 'good', count: 10 }, { name: 'crack', kind: 'scratch', count: 5 }] })
    const store = createProject(join(dir, 'flat.dsproj'))
    try {
      const report = await importImages(store, { kind: 'folder', folder: root }, { goodClass: 'free' })
      expect(report.imported).toBe(15)
      // round(0.2 · 10) + round(0.2 · 5) = 2 + 1
      expect(report.validationSplit.count).toBe(3)
      expect(report.validationSplit.rule).toMatch(/20% of its labelled images/)
      // The rule's parts, for the screen to say it in the user's language.
      expect(report.validationSplit).toMatchObject({ percent: 20, ownValFolder: false })
      expect(report.goodClass).toBe('free')
      expect(store.classes.list().find((c) => c.isGood)?.name).toBe('free')
    } finally {
      store.close()
    }
  })

  it('without a good class the report says so (null), so the UI can ask', async () => {
    const root = join(dir, 'tiles')
    await writeDemoSet({ root: join(root, 'train'), seed: 4, classes: [{ name: 'free', kind: 'good', count: 4 }, { name: 'blob', kind: 'stain', count: 2 }] })
    await mkdir(join(root, 'test', 'free'), { recursive: true })
    await copyFile(join(FIXTURES, 'good.png'), join(root, 'test', 'free', 'x.png'))
    const store = createProject(join(dir, 'tiles.dsproj'))
    try {
      const report = await importImages(store, { kind: 'folder', folder: root })
      expect(report.goodClass).toBeNull()
      expect(report.skippedFolders).toEqual([{ folder: join(root, 'test'), reason: expect.stringMatching(/not part of the ImageFolder layout/) }])
      expect(report.validationSplit.rule).toMatch(/folder's own val\//)
      expect(report.validationSplit).toMatchObject({ percent: 20, ownValFolder: true })
    } finally {
      store.close()
    }
  })

  it('uploaded files are reported by their own names, never the server temp folder', async () => {
    const uploads = join(dir, 'uploads')
    await mkdir(join(uploads, '7'), { recursive: true })
    await mkdir(join(uploads, '8'), { recursive: true })
    await copyFile(join(FIXTURES, 'corrupt.png'), join(uploads, '7', 'scratch-0001.png'))
    await copyFile(join(FIXTURES, 'good.png'), join(uploads, '8', 'part-17.png'))
    const store = createProject(join(dir, 'up.dsproj'))
    try {
      const files = [join(uploads, '7', 'scratch-0001.png'), join(uploads, '8', 'part-17.png')]
      const report = await importImages(store, { kind: 'files', paths: files }, { displayName: uploadDisplayName(uploads) })
      expect(report.rejected.map((r) => r.file)).toEqual(['scratch-0001.png'])
      expect(JSON.stringify(report)).not.toContain(uploads)
      const again = await importImages(store, { kind: 'files', paths: [files[1]!] }, { displayName: uploadDisplayName(uploads) })
      expect(again.duplicates).toEqual([{ file: 'part-17.png', sameAs: 'part-17.png' }])
    } finally {
      store.close()
    }
  })
})
