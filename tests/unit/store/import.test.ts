import { copyFile, mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { readImageFile } from '../../../electron/imaging/decode'
import { exportProject } from '../../../electron/services/export-service'
import { importImages, ImportService, ImportSourceError, type ImportProgress } from '../../../electron/services/import-service'
import { createProject, openProject, type ProjectStore } from '../../../electron/store/project-store'
import { generateSyntheticSet, type SyntheticFile } from '../../support/synthetic-defects'

const FIXTURES = join(process.cwd(), 'tests/fixtures/images')
const BROKEN = ['zero-byte.jpg', 'truncated.jpg', 'corrupt.png', 'text-named.jpg', 'svg-named.png', 'animated.gif', 'tiny.bmp', 'bomb-header.png', 'strip-header.png']
let dir: string
let setRoot: string
let setFiles: SyntheticFile[]
let store: ProjectStore

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ds-import-'))
  process.env.DEFECT_STUDIO_DATA_DIR = join(dir, 'data')
  setRoot = join(dir, 'set')
  setFiles = (await generateSyntheticSet({ root: setRoot, seed: 5, counts: { ok: 20, scratch: 5, spot: 5 }, layout: 'imagefolder', colour: 'mixed', mixedSizes: true })).files
})
afterAll(async () => {
  if (store?.isOpen) store.close()
  await rm(dir, { recursive: true, force: true })
})
let n = 0
beforeEach(() => {
  if (store?.isOpen) store.close()
  store = createProject(join(dir, `p${++n}.dsproj`))
})

describe('import from folders', () => {
  it('imports the ImageFolder layout, keeping the folder val/ as validation', async () => {
    const progress: ImportProgress[] = []
    const report = await importImages(store, { kind: 'folder', folder: setRoot }, { onProgress: (p) => progress.push(p) })
    expect(report).toMatchObject({ imported: 30, duplicates: [], rejected: [], cancelled: false, layout: 'imagefolder' })
    expect(report.classesCreated.sort()).toEqual(['ok', 'scratch', 'spot'])
    const classes = store.classes.listWithCounts()
    const ok = classes.find((c) => c.name === 'ok')!
    expect(ok).toMatchObject({ isGood: true, count: 20, train: 16, val: 4 })
    expect(classes.find((c) => c.name === 'spot')).toMatchObject({ isGood: false, train: 4, val: 1 })
    // Progress: from 0 to total, never backwards, naming each file.
    expect(progress[0]).toMatchObject({ done: 0, total: 30 })
    expect(progress.at(-1)).toMatchObject({ done: 30, total: 30, imported: 30 })
    expect(progress.every((p, i) => i === 0 || p.done >= progress[i - 1]!.done)).toBe(true)
    expect(new Set(progress.slice(1).map((p) => p.currentFile))).toEqual(new Set(setFiles.map((f) => f.path)))
  })

  it('imports a flat <class>/* folder, loose files unlabelled, and reports exactly the broken files', async () => {
    const flat = join(dir, 'flat')
    await mkdir(join(flat, 'scratch'), { recursive: true })
    await mkdir(join(flat, 'good'), { recursive: true })
    for (const f of setFiles.filter((f) => f.className === 'scratch')) await copyFile(f.path, join(flat, 'scratch', f.path.split('/').pop()!))
    await copyFile(join(FIXTURES, 'good.png'), join(flat, 'good', 'good.png'))
    await copyFile(join(FIXTURES, '傷_サンプル.png'), join(flat, '傷_サンプル.png'))
    for (const b of BROKEN) await copyFile(join(FIXTURES, b), join(flat, 'scratch', b))
    await writeFile(join(flat, 'README.txt'), 'notes')
    const report = await importImages(store, { kind: 'folder', folder: flat })
    expect(report.layout).toBe('flat')
    expect(report.imported).toBe(7)
    expect(report.rejected.map((r) => r.file.split('/').pop()).sort()).toEqual([...BROKEN].sort())
    expect(report.rejected.every((r) => r.reason.length > 10)).toBe(true)
    expect(report.skipped.map((s) => s.file)).toEqual([join(flat, 'README.txt')])
    expect(store.classes.findByName('good')?.isGood).toBe(true)
    const unlabelled = store.images.list({ classId: null })
    expect(unlabelled.items.map((i) => i.originalName)).toEqual(['傷_サンプル.png'])
  })

  it('reports duplicates (same content) with what they duplicate, and stores them once', async () => {
    const dup = join(dir, 'dup')
    await mkdir(join(dup, 'a'), { recursive: true })
    await mkdir(join(dup, 'b'), { recursive: true })
    await copyFile(join(FIXTURES, 'good.jpg'), join(dup, 'a', 'one.jpg'))
    await copyFile(join(FIXTURES, 'good.jpg'), join(dup, 'b', 'copy-of-one.jpg'))
    const first = await importImages(store, { kind: 'folder', folder: dup })
    expect(first.imported).toBe(1)
    expect(first.duplicates).toEqual([{ file: join(dup, 'b', 'copy-of-one.jpg'), sameAs: join(dup, 'a', 'one.jpg') }])
    const again = await importImages(store, { kind: 'folder', folder: dup })
    expect(again.imported).toBe(0)
    expect(again.duplicates).toHaveLength(2)
    expect(store.images.count()).toBe(1)
  })

  it('survives symbolic link loops between folders, and a folder named like a file', async () => {
    const loopy = join(dir, 'loopy')
    await mkdir(join(loopy, 'crack', 'looks-like.png'), { recursive: true })
    await copyFile(join(FIXTURES, 'good.png'), join(loopy, 'crack', 'a.png'))
    await symlink(join(loopy, 'crack'), join(loopy, 'crack', 'again'))
    await symlink(join(loopy, 'self.png'), join(loopy, 'self.png'))
    const report = await importImages(store, { kind: 'folder', folder: loopy })
    expect(report.imported).toBe(1)
    const codes = report.rejected.map((r) => [r.file.replace(loopy, ''), r.code])
    expect(codes).toEqual(expect.arrayContaining([['/crack/again', 'symlink-loop'], ['/self.png', 'symlink-loop']]))
  })

  it('rejects an unreadable file with a reason and imports the rest (EACCES simulated: tests run as root)', async () => {
    const files = [join(FIXTURES, 'good.png'), join(FIXTURES, 'good.jpg')]
    const report = await importImages(
      store,
      { kind: 'files', paths: files },
      {
        readFile: async (file, limits) => {
          if (file.endsWith('.jpg')) throw Object.assign(new Error('EACCES: permission denied, open'), { code: 'EACCES' })
          return readImageFile(file, limits)
        }
      }
    )
    expect(report.imported).toBe(1)
    expect(report.rejected).toEqual([{ file: files[1], code: 'unreadable', reason: expect.stringMatching(/permission denied/) }])
  })

  it('fails clearly for a missing folder', async () => {
    await expect(importImages(store, { kind: 'folder', folder: join(dir, 'nope') })).rejects.toThrow(ImportSourceError)
    await expect(importImages(store, { kind: 'folder', folder: join(dir, 'nope') })).rejects.toThrow(/does not exist/)
  })
})

describe('import a list of files (drag and drop)', () => {
  it('gives loose files the class dropped on, or none; scans dropped folders', async () => {
    const labelled = await importImages(store, { kind: 'files', paths: [join(FIXTURES, 'good.png'), join(FIXTURES, 'خدش.png')], className: 'dent' })
    expect(labelled.imported).toBe(2)
    expect(store.classes.listWithCounts().find((c) => c.name === 'dent')?.count).toBe(2)
    const loose = await importImages(store, { kind: 'files', paths: [join(FIXTURES, 'good.webp'), join(setRoot, 'val'), join(FIXTURES, 'zero-byte.jpg')] })
    expect(loose.imported).toBe(1 + 6)
    expect(loose.rejected.map((r) => r.code)).toEqual(['empty'])
    expect(store.images.list({ classId: null }).total).toBe(1)
  })
})

describe('cancel', () => {
  it('stops between images when the signal fires; a rerun imports the rest', async () => {
    const controller = new AbortController()
    const report = await importImages(store, { kind: 'folder', folder: setRoot }, { signal: controller.signal, onCommitted: () => store.images.count() >= 5 && controller.abort() })
    expect(report.cancelled).toBe(true)
    expect(report.imported).toBe(5)
    expect(store.images.count()).toBe(5)
    const rest = await importImages(store, { kind: 'folder', folder: setRoot })
    expect(rest.imported).toBe(25)
    expect(rest.duplicates).toHaveLength(5)
  })

  it('ImportService runs one import at a time and cancels by id', async () => {
    const service = new ImportService()
    let id = ''
    const running = service.run(store, { kind: 'folder', folder: setRoot }, (importId, p) => {
      id = importId
      if (p.done === 3) service.cancel(importId)
    })
    await expect(service.run(store, { kind: 'folder', folder: setRoot }, () => undefined)).rejects.toThrow(/already running/)
    const report = await running
    expect(report.importId).toBe(id)
    expect(report.cancelled).toBe(true)
    expect(service.busy).toBe(false)
  })
})

describe('export and save a copy', () => {
  it('exports ImageFolder + labels.csv that imports back to the same set', async () => {
    await importImages(store, { kind: 'files', paths: [join(FIXTURES, 'bolt-🔩.jpg')] })
    await importImages(store, { kind: 'folder', folder: setRoot })
    const out = join(dir, `export-${n}`)
    const report = await exportProject(store, out)
    expect(report).toMatchObject({ exported: 31, labelled: 30, unlabelled: 1 })
    expect((await readdir(out)).sort()).toEqual(['labels.csv', 'train', 'unlabelled', 'val'])
    const csv = (await readFile(report.csv, 'utf8')).trim().split('\n')
    expect(csv[0]).toBe('file,class,split,sha256,width,height,original_name')
    expect(csv).toHaveLength(32)
    await expect(exportProject(store, out)).rejects.toThrow(/not empty/)

    const back = createProject(join(dir, `roundtrip-${n}.dsproj`))
    try {
      const again = await importImages(back, { kind: 'folder', folder: out })
      expect(again.imported).toBe(31)
      const summary = (s: ProjectStore) => s.classes.listWithCounts().map((c) => `${c.name}:${c.train}/${c.val}:${c.isGood}`).sort()
      expect(summary(back)).toEqual(summary(store))
      expect(back.images.list({ classId: null }).items.map((i) => i.originalName)).toEqual(['bolt-🔩.jpg'])
    } finally {
      back.close()
    }
  })

  it('saves a complete, openable copy with the online backup', async () => {
    await importImages(store, { kind: 'folder', folder: setRoot })
    const copy = join(dir, `copy-${n}.dsproj`)
    const result = await store.saveCopy(copy)
    expect(result.bytes).toBeGreaterThan(0)
    const opened = openProject(copy)
    try {
      expect(opened.integrityCheck()).toBe('ok')
      expect(opened.images.count()).toBe(30)
    } finally {
      opened.close()
    }
  })
})
