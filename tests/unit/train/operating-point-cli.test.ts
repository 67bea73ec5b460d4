import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { writeDemoSet } from '../../../electron/services/demo/demo-set'
import { openProject } from '../../../electron/store/project-store'
import { cli } from '../../support/cli-harness'

/**
 * Issue 14 item 4 through the CLI, as a user meets it: `train` chooses the classifier's PASS
 * threshold on the validation images for the asked target, stores it with the version,
 * prints it with its counts; `eval --json` reports that threshold (and where it came from)
 * and its counts on the same images agree; `inspect` decides with it. The good class is
 * called "free" (not "ok").
 */
let dir: string
let data: string
let project: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ds-operating-point-'))
  process.env.DEFECT_STUDIO_DATA_DIR = join(dir, 'appdata')
  data = join(dir, 'parts')
  await writeDemoSet({ root: data, seed: 5, classes: [{ name: 'free', kind: 'good', count: 20 }, { name: 'scratch', kind: 'scratch', count: 10 }] })
  project = join(dir, 'parts.dsproj')
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

const TRAIN = ['--json', '--width', '0.125', '--size', '32', '--epochs', '1', '--batch', '8', '--threads', '1', '--freeze', 'none', '--recipe', 'seed', '--fresh']

describe('classifier operating point (CLI)', () => {
  it('train chooses the threshold for the target; eval and inspect use it', async () => {
    expect((await cli('import', '--project', project, '--from', data, '--good', 'free', '--json')).code).toBe(0)

    const trained = await cli('train', '--project', project, ...TRAIN, '--missed-defect-rate', '0')
    expect(trained.code).toBe(0)
    const done = JSON.parse(trained.out.at(-1)!)
    const op = done.metrics.operatingPoint
    expect(op).toMatchObject({ target: 'missed-defect-rate', rate: 0, chosenOn: 'validation', allowed: 0, missedDefects: 0 })
    expect(op.defectImages).toBeGreaterThan(0)
    // The version's PASS/FAIL figures are the ones at the chosen threshold.
    expect(done.metrics).toMatchObject({ threshold: op.threshold, missedDefects: 0, falseRejects: op.falseRejects, goodImages: op.goodImages })

    const store = openProject(project)
    try {
      expect(store.models.get(done.modelVersion).threshold).toBe(op.threshold)
    } finally {
      store.close()
    }

    const evaluated = JSON.parse((await cli('eval', '--project', project, '--json')).out[0]!)
    expect(evaluated).toMatchObject({ threshold: op.threshold, thresholdSource: 'model', missedDefects: 0, falseRejects: op.falseRejects })
    expect(evaluated.operatingPoint).toMatchObject({ target: 'missed-defect-rate', threshold: op.threshold })

    const inspected = await cli('inspect', '--project', project, '--from', join(data, 'scratch'), '--json', '--deadline-ms', '60000')
    const lines = inspected.out.map((l) => JSON.parse(l))
    expect(lines.length).toBe(10)
    for (const line of lines) expect(line.threshold).toBeCloseTo(op.threshold, 6)
  }, 180_000)

  it('a false-reject target rejects no more good validation parts than it allows', async () => {
    const trained = await cli('train', '--project', project, ...TRAIN, '--false-reject-rate', '0')
    expect(trained.code).toBe(0)
    const done = JSON.parse(trained.out.at(-1)!)
    expect(done.metrics.operatingPoint).toMatchObject({ target: 'false-reject-rate', rate: 0, falseRejects: 0 })
    expect(done.metrics.falseRejects).toBe(0)
  }, 180_000)

  it('refuses both targets at once, and a rate of 1', async () => {
    const both = await cli('train', '--project', project, ...TRAIN, '--false-reject-rate', '0.1', '--missed-defect-rate', '0.1')
    expect(both.code).toBe(2)
    expect(both.err.join('\n')).toMatch(/either --missed-defect-rate or --false-reject-rate/)
    const one = await cli('train', '--project', project, ...TRAIN, '--missed-defect-rate', '1')
    expect(one.code).toBe(2)
    expect(one.err.join('\n')).toMatch(/--missed-defect-rate: Too big: expected number to be <1/)
  })
})
