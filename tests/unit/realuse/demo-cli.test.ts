import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { encodeImage } from '../../../electron/services/demo/parts'
import { cycleSeconds, renderScene, sceneAt, sceneTiming } from '../../../shared/demo/camera-scene'
import { DEFAULT_INSPECTION_SETTINGS } from '../../../shared/contract/inspection'
import { cli } from '../../support/cli-harness'

/**
 * `defect-studio demo` as a new user runs it: one command makes the sample project, trains
 * it, and says how to watch it inspect the Demo camera live; the model it trained gives the
 * Demo camera's own parts the right verdicts (the frames the live view would send).
 */
let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ds-demo-cli-'))
  process.env.DEFECT_STUDIO_DATA_DIR = join(dir, 'appdata')
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('defect-studio demo', () => {
  it('creates, trains and prints how to open live inspection on the Demo camera; --json has all of it', async () => {
    const project = join(dir, 'demo.dsproj')
    const made = await cli('demo', '--project', project, '--json')
    expect(made.err).toEqual([])
    expect(made.code).toBe(0)
    const report = JSON.parse(made.out.at(-1)!)
    expect(report).toMatchObject({
      project,
      images: { good: 48, scratch: 16, stain: 16, 'no-hole': 16 },
      goodClass: 'good',
      training: { status: 'done', modelVersion: 1, activated: true },
      live: { command: `defect-studio serve --project ${project}`, url: 'http://127.0.0.1:5183/#/inspect?camera=demo' }
    })
    expect(report.next[0]).toBe(report.live.command)
    expect(report.training.balancedAccuracy).toBeGreaterThanOrEqual(0.8)

    // The Demo camera's parts, as it shows them standing still: two good ones, then a
    // defect, in turn; colour and gray alternate.
    const frames = join(dir, 'camera')
    await mkdir(frames)
    const timing = sceneTiming(DEFAULT_INSPECTION_SETTINGS)
    const kinds: string[] = []
    for (let part = 0; part < 9; part++) {
      const scene = sceneAt(timing.start + part * cycleSeconds(timing) + timing.enter + timing.still / 2, timing)
      expect(scene.centreX).toBe(0.5)
      kinds.push(scene.kind)
      await writeFile(join(frames, `part-${part}.jpg`), await encodeImage(renderScene(scene), 'jpeg'))
    }
    const inspected = await cli('inspect', '--project', project, '--from', frames, '--json')
    expect(inspected.code).toBe(0)
    const verdicts = inspected.out.map((l) => JSON.parse(l)).filter((r) => r.verdict).sort((a, b) => a.file.localeCompare(b.file))
    expect(verdicts).toHaveLength(9)
    const expected = kinds.map((k) => (k === 'good' ? 'PASS' : 'FAIL'))
    const right = verdicts.filter((v, i) => v.verdict === expected[i]).length
    expect(right, JSON.stringify(verdicts.map((v) => [v.file, v.verdict, v.className]))).toBeGreaterThanOrEqual(8)
    expect(new Set(verdicts.map((v) => v.verdict))).toEqual(new Set(['PASS', 'FAIL']))
  }, 300_000)

  it('without --json: says what it made and the two commands that open live inspection; --no-train only creates', async () => {
    const project = join(dir, 'quick.dsproj')
    const made = await cli('demo', '--project', project, '--no-train')
    expect(made.code).toBe(0)
    expect(made.out.join('\n')).toMatch(/Created .*quick\.dsproj: 48 good, 16 scratch, 16 stain, 16 no-hole/)
    expect(made.out.join('\n')).toContain(`defect-studio train --project ${project}`)
    expect(made.out.join('\n')).toContain(`defect-studio serve --project ${project}, and open http://127.0.0.1:5183/#/inspect?camera=demo`)
    const again = await cli('demo', '--project', project, '--no-train')
    expect(again.code).not.toBe(0)
  }, 120_000)
})
