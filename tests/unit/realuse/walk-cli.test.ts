import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from '../../../electron/cli/index'
import { WALK_COUNTS, WALK_GOOD, writeWalkSet, type WalkFile } from '../../support/walk-set'
import { runCliCaptured, type CliRun } from '../../support/cli-harness'

/**
 * Issue 11 "Done when", through the CLI alone (every step with --json): a folder of photos
 * whose good class is `free`, 30:1 imbalanced, grey and colour at odd sizes with tiny
 * defects becomes a labelled project (import --good), a model (train, honest metrics next
 * to the always-good baseline), inspected parts (inspect records the history), and a
 * corrected history (history --correct; a contradicting correction is refused).
 */
let dir: string
let project: string
let files: WalkFile[]
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ds-walk-cli-'))
  process.env.DEFECT_STUDIO_DATA_DIR = join(dir, 'appdata')
  files = await writeWalkSet(join(dir, 'photos'))
  project = join(dir, 'tiles.dsproj')
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

async function cli(...argv: string[]): Promise<CliRun & { json: () => Record<string, unknown> }> {
  const run = await runCliCaptured([...argv, '--json'])
  return { ...run, json: () => JSON.parse(run.out.at(-1)!) as Record<string, unknown> }
}

describe('photos → labelled project → model → inspection → corrected history, CLI only', () => {
  it('the data set is what the issue asks for', () => {
    expect(files.some((f) => f.colour) && files.some((f) => !f.colour)).toBe(true)
    expect(new Set(files.map((f) => `${f.width}x${f.height}`)).size).toBeGreaterThan(10)
    expect(WALK_COUNTS.free / WALK_COUNTS.spot).toBe(30)
  })

  it('walks the whole loop', async () => {
    const total = files.length
    // Import: good class named on the command line; the automatic validation split is announced.
    const imported = await cli('import', '--project', project, '--from', join(dir, 'photos'), '--good', WALK_GOOD)
    expect(imported.code, imported.err.join('\n')).toBe(0)
    expect(imported.json()).toMatchObject({ imported: total, goodClass: WALK_GOOD, validationSplit: { count: expect.any(Number), rule: expect.any(String) } })

    // Per-class train/val counts; the good class is marked.
    const classes = (await cli('classes', '--project', project)).json().classes as Array<{ name: string; good: boolean; train: number; val: number }>
    for (const [name, n] of Object.entries(WALK_COUNTS)) {
      const c = classes.find((x) => x.name === name)!
      expect(c.train + c.val).toBe(n)
      expect(c.good).toBe(name === WALK_GOOD)
    }

    // Train a tiny model; its metrics stand next to the always-good baseline, with counts.
    const trained = await cli('train', '--project', project, '--width', '0.125', '--size', '32', '--epochs', '2', '--batch', '16', '--threads', '1', '--recipe', 'seed')
    expect(trained.code, trained.err.join('\n')).toBe(0)
    const done = trained.json() as { event: string; modelVersion: number; metrics: Record<string, number | null>; warnings: string[] }
    expect(done).toMatchObject({ event: 'done', modelVersion: 1 })
    const m = done.metrics
    const goodVal = classes.find((c) => c.name === WALK_GOOD)!.val
    const defectVal = classes.filter((c) => c.name !== WALK_GOOD).reduce((s, c) => s + c.val, 0)
    expect(m).toMatchObject({ goodImages: goodVal, defectImages: defectVal, baseline: goodVal / (goodVal + defectVal) })
    expect(m.missedDefectRate).toBe(m.missedDefects! / defectVal)
    expect(m.falseRejectRate).toBe(m.falseRejects! / goodVal)
    expect(typeof m.accuracy).toBe('number')
    expect(typeof m.balancedAccuracy).toBe('number')
    // Worse than answering "free" every time must be said out loud.
    if (m.accuracy! < m.baseline!) expect(done.warnings.join(' ')).toMatch(/baseline|always/i)

    // Inspect parts from the line (a threshold only this run uses: every part is rejected, so its image is kept).
    await writeWalkSet(join(dir, 'line'), 77)
    const line = join(dir, 'line', 'scratch')
    const inspected = await cli('inspect', '--project', project, '--from', line, '--threshold', '0.999', '--deadline-ms', '60000')
    expect(inspected.code, inspected.err.join('\n')).toBe(0)
    const verdicts = inspected.out.map((l) => JSON.parse(l) as { verdict: string; modelVersion: number })
    expect(verdicts.length).toBe(WALK_COUNTS.scratch)
    expect(verdicts.every((v) => v.verdict === 'FAIL' && v.modelVersion === 1)).toBe(true)

    // History: every inspection; filters ignore case; "no matches" is not "none yet".
    const listed = (await cli('history', '--project', project)).json() as { total: number; rows: Array<{ id: number; className: string | null; imageKept: boolean }> }
    expect(listed.total).toBe(WALK_COUNTS.scratch)
    expect((await cli('history', '--project', project, '--verdict', 'fail')).json().total).toBe(WALK_COUNTS.scratch)
    const someClass = listed.rows[0]!.className!
    expect((await cli('history', '--project', project, '--class', someClass.toUpperCase())).json().total).toBeGreaterThan(0)
    const none = await runCli(['history', '--project', project, '--verdict', 'PASS'], { out: (l) => noneOut.push(l), err: () => undefined })
    expect(none).toBe(0)
    expect(noneOut).toEqual(['No inspection matches these filters.'])

    // Correct one: a contradicting correction is refused with the reason, a consistent one is kept.
    const id = String(listed.rows[0]!.id)
    const refused = await cli('history', '--project', project, '--correct', id, '--verdict', 'PASS', '--class', 'scratch')
    expect(refused.code).not.toBe(0)
    expect(refused.json().error).toMatch(/A PASS correction must use the good class "free", not "scratch"/)
    const corrected = await cli('history', '--project', project, '--correct', id, '--verdict', 'pass', '--class', 'FREE', '--operator', 'anna')
    expect(corrected.code, corrected.err.join('\n')).toBe(0)
    expect(corrected.json()).toMatchObject({ record: { override: { verdict: 'PASS', className: 'free', actor: 'anna' } }, imageId: expect.any(Number) })
    const after = (await cli('history', '--project', project)).json() as { rows: Array<{ id: number; override: unknown }> }
    expect(after.rows.find((r) => String(r.id) === id)!.override).toMatchObject({ verdict: 'PASS', className: 'free' })
    // The corrected part's image joined the labelling set as "free".
    const info = (await cli('classes', '--project', project)).json().classes as Array<{ name: string; count: number }>
    expect(info.find((c) => c.name === WALK_GOOD)!.count).toBe(WALK_COUNTS.free + 1)
  })
})

const noneOut: string[] = []
