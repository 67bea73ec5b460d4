import { spawnSync } from 'node:child_process'
import { copyFile, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateSyntheticSet } from '../../support/synthetic-defects'
import { cli } from '../../support/cli-harness'

const FIXTURES = join(process.cwd(), 'tests/fixtures/images')
let dir: string
let source: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ds-cli-store-'))
  process.env.DEFECT_STUDIO_DATA_DIR = join(dir, 'data')
  source = join(dir, 'dataset')
  await generateSyntheticSet({ root: source, seed: 9, counts: { ok: 10, crack: 5 }, layout: 'imagefolder' })
  // A few broken files among good ones: exactly these must be reported.
  for (const bad of ['truncated.jpg', 'zero-byte.jpg', 'text-named.jpg']) await copyFile(join(FIXTURES, bad), join(source, 'train', 'crack', bad))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('CLI import / info / export', () => {
  it('import creates the project and prints the report as JSON', async () => {
    const project = join(dir, 'a.dsproj')
    const r = await cli('import', '--project', project, '--from', source, '--json')
    expect(r.code).toBe(0)
    const report = JSON.parse(r.out[0]!)
    expect(report).toMatchObject({ project, created: true, imported: 15, duplicates: [] })
    expect(report.rejected.map((x: { file: string }) => x.file.split('/').pop()).sort()).toEqual(['text-named.jpg', 'truncated.jpg', 'zero-byte.jpg'])
    const again = JSON.parse((await cli('import', '--project', project, '--from', source, '--json')).out[0]!)
    expect(again).toMatchObject({ created: false, imported: 0 })
    expect(again.duplicates).toHaveLength(15)
    expect(again.duplicates[0]).toEqual({ file: expect.any(String), sameAs: expect.any(String) })
  })

  it('info prints class counts per split and models', async () => {
    const project = join(dir, 'a.dsproj')
    const r = await cli('info', '--project', project, '--json')
    expect(r.code).toBe(0)
    const info = JSON.parse(r.out[0]!)
    expect(info).toMatchObject({ project, images: 15, models: [] })
    expect(info.classes).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'ok', good: true, train: 8, val: 2 }), expect.objectContaining({ name: 'crack', good: false, train: 4, val: 1 })])
    )
  })

  it('export writes the folder layout; --copy saves a copy; errors are JSON with exit ≠ 0', async () => {
    const project = join(dir, 'a.dsproj')
    const out = join(dir, 'exported')
    const r = await cli('export', '--project', project, '--to', out, '--json')
    expect(r.code).toBe(0)
    expect(JSON.parse(r.out[0]!)).toMatchObject({ exported: 15, labelled: 15 })
    expect((await readdir(out)).sort()).toEqual(['labels.csv', 'train', 'val'])
    const copy = await cli('export', '--project', project, '--copy', join(dir, 'copy.dsproj'), '--json')
    expect(JSON.parse(copy.out[0]!).bytes).toBeGreaterThan(0)

    const missing = await cli('info', '--project', join(dir, 'nope.dsproj'), '--json')
    expect(missing.code).toBe(1)
    expect(JSON.parse(missing.out[0]!).error).toMatch(/does not exist/)
    const noFolder = await cli('import', '--project', join(dir, 'b.dsproj'), '--from', join(dir, 'no-such-folder'), '--json')
    expect(noFolder.code).toBe(1)
    expect(JSON.parse(noFolder.out[0]!).error).toMatch(/does not exist/)
    const usage = await cli('export', '--project', project, '--json')
    expect(usage.code).toBe(2)
  })

  it('runs for real: node bin/defect-studio.js import … --json', async () => {
    const project = join(dir, 'spawned.dsproj')
    const folder = join(dir, 'few', 'scratch')
    await mkdir(folder, { recursive: true })
    await copyFile(join(FIXTURES, 'good.png'), join(folder, 'good.png'))
    await copyFile(join(FIXTURES, 'corrupt.png'), join(folder, 'corrupt.png'))
    const res = spawnSync(process.execPath, ['bin/defect-studio.js', 'import', '--project', project, '--from', join(dir, 'few'), '--json'], {
      cwd: process.cwd(),
      env: { ...process.env, DEFECT_STUDIO_FROM_SOURCE: '1' },
      encoding: 'utf8',
      timeout: 60_000
    })
    expect(res.status).toBe(0)
    const report = JSON.parse(res.stdout.trim().split('\n').pop()!)
    expect(report).toMatchObject({ imported: 1, duplicates: [], rejected: [{ file: join(folder, 'corrupt.png'), code: 'corrupt' }] })
  })
})
