import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawn } from 'node:child_process'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { runCli } from '../../../electron/cli/index'
import { importedProject, syntheticFolder } from './project-fixture'

/** `train --json` for real (one spawn of bin/defect-studio.js), then eval and models in-process. */

function capture(): { io: { out: (l: string) => void; err: (l: string) => void }; out: string[]; err: string[] } {
  const out: string[] = []
  const err: string[] = []
  return { io: { out: (l) => out.push(l), err: (l) => err.push(l) }, out, err }
}

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
    expect(await runCli(['models', '--project', project, 'activate', '7', '--json'], missing.io)).toBe(2)
    expect((JSON.parse(missing.out[0]!) as { error: string }).error).toMatch(/version 7 does not exist/)

    const badMode = capture()
    expect(await runCli(['train', '--project', project, '--mode', 'bogus', '--json'], badMode.io)).toBe(2)
    expect((JSON.parse(badMode.out[0]!) as { error: string }).error).toMatch(/--mode must be one of/)

    const badFreeze = capture()
    expect(await runCli(['train', '--project', project, '--freeze', 'legs', '--json'], badFreeze.io)).toBe(2)

    const noProject = capture()
    expect(await runCli(['eval', '--project', join(dir, 'nope.dsproj'), '--json'], noProject.io)).toBe(1)
    expect((JSON.parse(noProject.out[0]!) as { error: string }).error).toMatch(/does not exist/)
  })
})
