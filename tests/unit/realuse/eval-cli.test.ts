import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from '../../../electron/cli/index'
import { generateSyntheticSet } from '../../support/synthetic-defects'
import { cli } from '../../support/cli-harness'

/** `eval` as a user types it in an anomaly-only project: no --kind, --from pointing at test/. */
let dir: string
let project: string
let mvtec: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ds-eval-cli-'))
  process.env.DEFECT_STUDIO_DATA_DIR = join(dir, 'appdata')
  const good = join(dir, 'good')
  await generateSyntheticSet({ root: good, seed: 31, counts: { ok: 16 }, layout: 'flat', width: 64, height: 64 })
  mvtec = join(dir, 'mvtec')
  await generateSyntheticSet({ root: mvtec, seed: 32, counts: { ok: 8, scratch: 4 }, layout: 'mvtec', valFraction: 0.5, masks: true, width: 64, height: 64 })
  project = join(dir, 'p.dsproj')
  const io = { out: () => undefined, err: () => undefined }
  expect(await runCli(['import', '--project', project, '--from', good], io)).toBe(0)
  expect(await runCli(['train', '--project', project, '--mode', 'anomaly', '--size', '64', '--width', '0.125', '--fit', 'whole', '--target-frr', '0.1'], io)).toBe(0)
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('eval in an anomaly project', () => {
  it('without --kind evaluates the only active kind, and finds ground_truth/ beside test/ given either folder', async () => {
    for (const from of [mvtec, join(mvtec, 'test'), join(mvtec, 'ground_truth')]) {
      const r = await cli('eval', '--project', project, '--from', from, '--json')
      expect(r.code, r.err.join('\n')).toBe(0)
      const out = JSON.parse(r.out.at(-1)!)
      expect(out).toMatchObject({ modelVersion: 1, goodImages: 4, defectImages: 4, maskImages: 4 })
      expect(out.pixelAuroc).toEqual(expect.any(Number))
    }
  })
})
