import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { writeDemoSet } from '../../../electron/services/demo/demo-set'
import { cli } from '../../support/cli-harness'

/**
 * The good-class loop as a CLI user meets it with a real data set whose good class is
 * called "free": train says the good class is missing, inspect names the reason (not
 * "no-model") and fails, `classes --good free` fixes it without retraining.
 */
let dir: string
let data: string
let project: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ds-good-class-'))
  process.env.DEFECT_STUDIO_DATA_DIR = join(dir, 'appdata')
  data = join(dir, 'tiles')
  await writeDemoSet({ root: data, seed: 11, classes: [{ name: 'free', kind: 'good', count: 12 }, { name: 'crack', kind: 'scratch', count: 6 }, { name: 'Blob', kind: 'stain', count: 4 }] })
  project = join(dir, 'tiles.dsproj')
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('the good class through the CLI', () => {
  it('import without --good asks for it; classes lists counts as JSON', async () => {
    const imported = await cli('import', '--project', project, '--from', data, '--json')
    expect(imported.code).toBe(0)
    const report = JSON.parse(imported.out[0]!)
    expect(report).toMatchObject({ imported: 22, goodClass: null, validationSplit: { count: expect.any(Number), rule: expect.stringMatching(/validation/) } })
    const listed = JSON.parse((await cli('classes', '--project', project, '--json')).out[0]!)
    expect(listed.project).toBe(project)
    const byName = [...listed.classes].sort((a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name))
    expect(byName).toEqual([
      { name: 'Blob', good: false, train: 3, val: 1, count: 4 },
      { name: 'crack', good: false, train: 5, val: 1, count: 6 },
      { name: 'free', good: false, train: 10, val: 2, count: 12 }
    ])
  })

  it('train warns, inspect says no-good-class with a message and exits non-zero, classes --good fixes it', async () => {
    const trained = await cli('train', '--project', project, '--json', '--width', '0.125', '--size', '32', '--epochs', '1', '--batch', '8', '--threads', '1', '--freeze', 'none')
    expect(trained.code).toBe(0)
    const done = JSON.parse(trained.out.at(-1)!)
    expect(done.event).toBe('done')
    expect(done.activated).toBe(true)
    expect(done.warnings.join(' ')).toMatch(/No class is marked good/)
    expect(done.metrics).toMatchObject({ threshold: null, baseline: null })

    const parts = join(data, 'crack')
    const before = await cli('inspect', '--project', project, '--from', parts, '--json', '--deadline-ms', '60000')
    expect(before.code).not.toBe(0)
    const lines = before.out.map((l) => JSON.parse(l))
    expect(lines.length).toBe(6)
    for (const l of lines) expect(l).toMatchObject({ verdict: 'NO_VERDICT', reason: 'no-good-class', message: expect.stringMatching(/classes .*--good/) })
    expect(before.err.join('\n')).toMatch(/no-good-class/)

    const marked = await cli('classes', '--project', project, '--good', 'FREE', '--json')
    expect(marked.code).toBe(0)
    expect(JSON.parse(marked.out[0]!).classes.find((c: { name: string }) => c.name === 'free').good).toBe(true)

    const after = await cli('inspect', '--project', project, '--from', parts, '--json', '--deadline-ms', '60000')
    expect(after.code).toBe(0)
    for (const l of after.out.map((x) => JSON.parse(x))) expect(['PASS', 'FAIL']).toContain(l.verdict)

    // eval now knows the good class too: PASS/FAIL figures next to the always-good baseline.
    const evaluated = await cli('eval', '--project', project, '--json')
    expect(evaluated.code).toBe(0)
    const e = JSON.parse(evaluated.out[0]!)
    expect(e).toMatchObject({ threshold: 0.5, goodImages: 2, defectImages: 2, baseline: 0.5 })
    expect(e.missedDefectRate).toBe(e.missedDefects / 2)
    expect(e.falseRejectRate).toBe(e.falseRejects / 2)
    expect(Array.isArray(e.warnings)).toBe(true)
  })

  it('rename and merge; merging the good class keeps a good class', async () => {
    expect((await cli('classes', '--project', project, '--rename', 'crack', 'scratch')).code).toBe(0)
    const merged = JSON.parse((await cli('classes', '--project', project, '--merge', 'free', 'Blob', '--json')).out[0]!)
    expect(merged.classes.map((c: { name: string; good: boolean; count: number }) => [c.name, c.good, c.count]).sort()).toEqual([
      ['Blob', true, 16],
      ['scratch', false, 6]
    ])
    const bad = await cli('classes', '--project', project, '--good', 'nope', '--json')
    expect(bad.code).toBe(2)
    expect(JSON.parse(bad.out[0]!).error).toMatch(/no class "nope"/)
  })

  it('relative paths given through npm run resolve against the folder the user is in', () => {
    const r = spawnSync('npm', ['run', '--silent', '--prefix', process.cwd(), 'cli', '--', 'import', '--project', 'rel.dsproj', '--from', 'tiles', '--json'], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, DEFECT_STUDIO_FROM_SOURCE: '1' },
      timeout: 120_000
    })
    expect(r.status, r.stderr).toBe(0)
    expect(JSON.parse(r.stdout.trim().split('\n').at(-1)!).project).toBe(join(dir, 'rel.dsproj'))
    expect(existsSync(join(dir, 'rel.dsproj'))).toBe(true)
    expect(existsSync(join(process.cwd(), 'rel.dsproj'))).toBe(false)
  })
})
