import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateSyntheticSet } from '../../support/synthetic-defects'
import { runCli } from '../../../electron/cli/index'
import { createProject, openProject } from '../../../electron/store/project-store'
import { importImages } from '../../../electron/services/import-service'
import { trainAnomalyModel } from '../../../electron/services/anomaly-service'
import { captureIo as capture } from '../../support/cli-harness'

// Anomaly mode through the CLI and the service, on a project of generated textures
// (96 px, random-init ResNet18 width 0.25). 96 rather than 64 px because pixel AUROC is
// bounded by the patch grid (stride 8: 12×12 at 96 px; at 64 px it measured ~0.8).
const S = 96
const PATCHES = (S / 8) ** 2
let dir: string
let project: string
let mvtec: string
const common = ['--size', String(S), '--width', '0.25', '--fit', 'whole']

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'anomaly-cli-'))
  process.env.DEFECT_STUDIO_DATA_DIR = join(dir, 'data')
  const images = join(dir, 'images')
  // imagefolder: train/val per class; 'ok' is the good class. 25 % of each class in val.
  await generateSyntheticSet({ root: images, seed: 21, counts: { ok: 120, scratch: 8, spot: 8, crack: 8, dent: 8 }, layout: 'imagefolder', valFraction: 0.25, width: S, height: S })
  mvtec = join(dir, 'mvtec')
  await generateSyntheticSet({ root: mvtec, seed: 22, counts: { ok: 60, scratch: 6, spot: 6, crack: 6, dent: 6 }, layout: 'mvtec', valFraction: 0.5, masks: true, width: S, height: S })
  project = join(dir, 'p.dsproj')
  const store = createProject(project)
  const report = await importImages(store, { kind: 'folder', folder: images })
  expect(report.imported).toBe(152)
  store.close()
})

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('train --mode anomaly / eval --kind anomaly', () => {
  it('trains from good images, stores an active anomaly model version with its threshold, and reports JSON', async () => {
    const c = capture()
    const code = await runCli(['train', '--project', project, '--mode', 'anomaly', '--coreset', '0.1', '--target-frr', '0.05', ...common, '--json'], c.io)
    expect(c.err).toEqual([])
    expect(code).toBe(0)
    const lines = c.out.map((l) => JSON.parse(l))
    expect(lines.some((l) => l.event === 'progress' && l.phase === 'features')).toBe(true)
    const done = lines.at(-1)
    expect(done).toMatchObject({ event: 'done', modelVersion: 1, activated: true })
    // All 120 good images build the bank and calibrate (leave-own-out); 12×12 patches per 96 px image.
    expect(done.metrics.fitImages).toBe(120)
    expect(done.metrics.calibrationImages).toBe(120)
    expect(done.metrics.bankSize).toBe(Math.round(120 * PATCHES * 0.1))
    // Defect recall at the chosen threshold, with its counts.
    expect(done.metrics.defectImages).toBe(32)
    expect(done.metrics.defectsCaught).toBe(Math.round(done.metrics.defectRecall * 32))
    expect(done.metrics.imageAuroc).toBeGreaterThanOrEqual(0.95)
    expect(done.metrics.falseRejectRate).toBeLessThan(1)
    expect(done.imagesPerSecond).toBeGreaterThan(0)

    const store = openProject(project)
    const m = store.models.active('anomaly')!
    expect(m.version).toBe(1)
    expect(m.kind).toBe('anomaly')
    expect(m.threshold).toBeCloseTo(done.threshold, 10)
    expect(m.metrics.imageAuroc).toBe(done.metrics.imageAuroc)
    expect(store.models.weights(1)!.byteLength).toBeGreaterThan(done.metrics.bankSize * 96 * 4)
    store.close()
  })

  it('eval reports image and pixel AUROC on an MVTec-style folder with ground_truth masks', async () => {
    const c = capture()
    const code = await runCli(['eval', '--project', project, '--kind', 'anomaly', '--from', mvtec, '--json'], c.io)
    expect(code).toBe(0)
    const r = JSON.parse(c.out.at(-1)!)
    console.info(`anomaly eval on MVTec-style folder (${S}px): image AUROC ${r.imageAuroc.toFixed(4)}, pixel AUROC ${r.pixelAuroc.toFixed(4)}, FRR ${r.falseRejectRate}`)
    expect(r.modelVersion).toBe(1)
    expect(r.goodImages).toBe(30)
    expect(r.defectImages).toBe(24)
    expect(r.maskImages).toBe(24)
    expect(r.imageAuroc).toBeGreaterThanOrEqual(0.95)
    // Heatmaps point at the defects: the smoothed map ranks defect pixels above normal ones.
    expect(r.pixelAuroc).toBeGreaterThanOrEqual(0.9)
    expect(typeof r.threshold).toBe('number')
    expect(r.falseRejectRate).toBeLessThan(0.5)
    // And on the project's own images (no folder): all 120 good ones, by their leave-own-out scores.
    const p = capture()
    expect(await runCli(['eval', '--project', project, '--kind', 'anomaly', '--json'], p.io)).toBe(0)
    const pr = JSON.parse(p.out.at(-1)!)
    expect(pr.goodImages).toBe(120)
    expect(pr.imageAuroc).toBeGreaterThanOrEqual(0.95)
    expect(pr.pixelAuroc).toBeUndefined()
  })

  it('a clearly worse model is stored but not activated; rollback returns to the previous version', async () => {
    const store = openProject(project)
    try {
      // A one-patch memory bank cannot describe the good textures.
      const worse = await trainAnomalyModel(store, { coresetFraction: 1 / (90 * PATCHES), size: S, width: 0.25, targetFrr: 0.05 })
      expect(worse.metrics.bankSize).toBe(1)
      expect(worse.activated).toBe(false)
      expect(worse.activationReason).toMatch(/kept v1/)
      expect(store.models.active('anomaly')!.version).toBe(1)
      store.models.activate(worse.modelVersion)
      expect(store.models.rollback('anomaly')!.version).toBe(1)
    } finally {
      store.close()
    }
  })

  it('rejects bad settings and projects without good images with a clear message', async () => {
    const bad = capture()
    expect(await runCli(['train', '--project', project, '--mode', 'anomaly', '--target-frr', '2', '--json'], bad.io)).toBe(2)
    expect(JSON.parse(bad.out[0]!).error).toMatch(/--target-frr must be at most/)
    const empty = join(dir, 'empty.dsproj')
    createProject(empty).close()
    const e = capture()
    expect(await runCli(['train', '--project', empty, '--mode', 'anomaly', ...common, '--json'], e.io)).toBe(1)
    expect(JSON.parse(e.out[0]!).error).toMatch(/no good class/)
    const missing = capture()
    expect(await runCli(['eval', '--project', empty, '--kind', 'anomaly', '--json'], missing.io)).toBe(1)
    expect(JSON.parse(missing.out[0]!).error).toMatch(/no active anomaly model/)
  })

  it('runs as a real process: defect-studio train --mode anomaly', async () => {
    // A small project of its own (16 good images) keeps the child process short.
    const small = join(dir, 'small')
    await generateSyntheticSet({ root: small, seed: 23, counts: { ok: 16 }, layout: 'imagefolder', valFraction: 0.25, width: S, height: S })
    const file = join(dir, 'small.dsproj')
    const store = createProject(file)
    await importImages(store, { kind: 'folder', folder: small })
    store.close()
    const root = resolve(__dirname, '../../..')
    const { stdout } = await promisify(execFile)(process.execPath, [join(root, 'bin/defect-studio.js'), 'train', '--project', file, '--mode', 'anomaly', '--coreset', '0.05', ...common, '--json'], {
      env: { ...process.env, DEFECT_STUDIO_FROM_SOURCE: '1', DEFECT_STUDIO_DATA_DIR: join(dir, 'data') },
      cwd: root
    })
    const done = JSON.parse(stdout.trim().split('\n').at(-1)!)
    expect(done).toMatchObject({ event: 'done', modelVersion: 1, activated: true })
    // Every one of the 16 good images is in the bank and calibrates (leave-own-out).
    expect(done.metrics.calibrationImages).toBe(16)
    expect(done.metrics.fitImages).toBe(16)
    expect(done.metrics.bankSize).toBe(Math.round(16 * PATCHES * 0.05))
  })
})
