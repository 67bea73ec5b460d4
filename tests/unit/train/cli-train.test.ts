import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawn } from 'node:child_process'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { runCli } from '../../../electron/cli/index'
import { importedProject, syntheticFolder } from './project-fixture'
import { captureIo as capture } from '../../support/cli-harness'

/** `train --json` for real (one spawn of bin/defect-studio.js), then eval and models in-process. */

function spawnCli(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(process.cwd(), 'bin/defect-studio.js'), ...args], {
      env: { ...process.env, ...env, DEFECT_STUDIO_FROM_SOURCE: '1' },
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

describe('CLI train / eval / models', () => {
  let dir: string
  let data: string
  let project: string

  beforeAll(async () => {
    const set = await syntheticFolder({ ok: 40, scratch: 10 }, 9)
    dir = set.dir
    data = set.data
    const store = await importedProject(dir, data, 'cli')
    project = store.file
    store.close()
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('train --json streams progress lines and ends with the done line', async () => {
    const args = ['train', '--project', project, '--json', '--width', '0.125', '--size', '32', '--epochs', '2', '--batch', '16', '--freeze', 'none', '--optimizer', 'adamw', '--lr', '0.003', '--seed', '2', '--threads', '1']
    const { code, stdout, stderr } = await spawnCli(args, { DEFECT_STUDIO_DATA_DIR: join(dir, 'appdata') })
    expect(stderr).toBe('')
    expect(code).toBe(0)
    const lines = stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)
    const progress = lines.filter((l) => l.event === 'progress')
    // 40 training images at batch 16: 3 steps per epoch (the last padded), 2 epochs.
    expect(progress).toHaveLength(6)
    for (const p of progress) {
      expect(typeof p.loss).toBe('number')
      expect(p.imagesPerSecond as number).toBeGreaterThan(0)
      expect(p.provider).toBe('cpu')
      expect(typeof p.etaSeconds).toBe('number')
    }
    expect(progress.map((p) => [p.epoch, p.step])).toEqual([
      [1, 1],
      [1, 2],
      [1, 3],
      [2, 1],
      [2, 2],
      [2, 3]
    ])
    const done = lines.at(-1)!
    expect(done.event).toBe('done')
    expect(done.modelVersion).toBe(1)
    expect(done.activated).toBe(true)
    const metrics = done.metrics as { accuracy: number; perClass: unknown[] }
    expect(metrics.accuracy).toBeGreaterThanOrEqual(0)
    expect(metrics.perClass).toHaveLength(2)
    expect(done.imagesPerSecond as number).toBeGreaterThan(0)

    // eval of the active model on the validation split reproduces the training's metrics.
    const e = capture()
    expect(await runCli(['eval', '--project', project, '--json', '--threads', '1'], e.io)).toBe(0)
    const report = JSON.parse(e.out[0]!) as { modelVersion: number; accuracy: number; confusion: { labels: string[]; matrix: number[][] }; perClass: Array<{ class: string; support: number }> }
    expect(report.modelVersion).toBe(1)
    expect(report.accuracy).toBeCloseTo(metrics.accuracy, 6)
    expect(report.confusion.labels).toEqual(['ok', 'scratch'])
    expect(report.perClass.map((p) => p.support)).toEqual([8, 2])

    // eval --from a folder laid out by class (DIR/val/<class>/* here).
    const f = capture()
    expect(await runCli(['eval', '--project', project, '--from', data, '--json', '--threads', '1'], f.io)).toBe(0)
    expect((JSON.parse(f.out[0]!) as { accuracy: number }).accuracy).toBeCloseTo(report.accuracy, 6)
  })

  it('models lists versions and activates one; bad input exits 2 with an error object', async () => {
    const list = capture()
    expect(await runCli(['models', '--project', project, '--json'], list.io)).toBe(0)
    const listed = JSON.parse(list.out[0]!) as { models: Array<{ version: number; active: boolean; metrics: { accuracy: number } }> }
    expect(listed.models.map((m) => [m.version, m.active])).toEqual([[1, true]])

    const act = capture()
    expect(await runCli(['models', '--project', project, 'activate', '1', '--json'], act.io)).toBe(0)
    expect((JSON.parse(act.out[0]!) as { activated: number }).activated).toBe(1)

    const missing = capture()
    expect(await runCli(['models', '--project', project, 'activate', '7', '--json'], missing.io)).toBe(3)
    expect(JSON.parse(missing.out[0]!) as { error: string; code: string }).toMatchObject({ error: expect.stringMatching(/version 7 does not exist/), code: 'not-found' })

    const badMode = capture()
    expect(await runCli(['train', '--project', project, '--mode', 'bogus', '--json'], badMode.io)).toBe(2)
    expect((JSON.parse(badMode.out[0]!) as { error: string }).error).toMatch(/--mode must be one of/)

    const badFreeze = capture()
    expect(await runCli(['train', '--project', project, '--freeze', 'legs', '--json'], badFreeze.io)).toBe(2)

    const noProject = capture()
    expect(await runCli(['eval', '--project', join(dir, 'nope.dsproj'), '--json'], noProject.io)).toBe(1)
    expect((JSON.parse(noProject.out[0]!) as { error: string }).error).toMatch(/does not exist/)
  })

  it('train without recipe options runs the auto recipe: a range test, then the choices with their reasons in --json', async () => {
    const c = capture()
    // Only the reduced model's size and length are given; everything else is the recipe's.
    const code = await runCli(['train', '--project', project, '--json', '--width', '0.125', '--size', '32', '--epochs', '2', '--threads', '1', '--fresh'], c.io)
    expect(c.err).toEqual([])
    expect(code).toBe(0)
    const lines = c.out.map((l) => JSON.parse(l) as Record<string, unknown>)
    const recipeLine = lines.find((l) => l.event === 'recipe') as { preset: string; choices: Array<{ setting: string; value: unknown; why: string }> } | undefined
    expect(recipeLine?.preset).toBe('auto')
    // The recipe line comes before the first progress line: it is settled before training.
    expect(lines.findIndex((l) => l.event === 'recipe')).toBeLessThan(lines.findIndex((l) => l.event === 'progress'))
    const done = lines.at(-1) as { event: string; recipe: { preset: string; choices: Array<{ setting: string; value: unknown; why: string }>; lrFinder: { sweeps: Array<{ optimizer: string; points: unknown[] }>; chosen: { lr: number } } }; seconds: { lrFinder: number; total: number } }
    expect(done.event).toBe('done')
    const settings = new Map(done.recipe.choices.map((ch) => [ch.setting, ch]))
    // 40 ok : 10 scratch is 4:1 (> 3:1): balanced batches; random backbone: all layers.
    expect(settings.get('sampling')?.value).toBe('balanced')
    expect(settings.get('freeze')?.value).toBe('none')
    expect(settings.get('fit')?.value).toBe('whole')
    // --size was given: kept as set, said so.
    expect(settings.get('size')).toMatchObject({ value: 32, why: expect.stringMatching(/Set in the request/) })
    expect(done.recipe.lrFinder.sweeps.map((s) => s.optimizer)).toEqual(['adamw', 'sgd'])
    for (const sweep of done.recipe.lrFinder.sweeps) expect(sweep.points.length).toBeGreaterThan(3)
    expect(['adamw', 'sgd']).toContain(settings.get('optimizer')?.value)
    // 32 px: inspection averages four views, and the saved model says so.
    expect(settings.get('testTimeFlips')).toMatchObject({ value: 'on', why: expect.stringMatching(/mirror images/) })
    expect(done.seconds.lrFinder).toBeGreaterThan(0)
    expect(done.seconds.total).toBeGreaterThan(done.seconds.lrFinder)
    // The recipe is stored with the model version (what the Train screen shows).
    const list = capture()
    expect(await runCli(['models', '--project', project, '--json'], list.io)).toBe(0)
    const models = (JSON.parse(list.out[0]!) as { models: Array<{ version: number; config: { recipe?: { preset: string }; testTimeFlips?: boolean } }> }).models
    expect(models.find((m) => m.version === 2)?.config.recipe?.preset).toBe('auto')
    expect(models.find((m) => m.version === 2)?.config.testTimeFlips).toBe(true)
  })
})
