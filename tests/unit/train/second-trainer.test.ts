import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawn, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { rm, writeFile } from 'node:fs/promises'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { runCli } from '../../../electron/cli/index'
import { openProject } from '../../../electron/store/project-store'
import { captureIo } from '../../support/cli-harness'
import { importedProject, syntheticFolder } from './project-fixture'

/**
 * A second process on the same project while the first trains (the CLI beside the app, two
 * terminals): it must say who trains and leave the run alone. Before the trainer claim
 * (store/trainer-claim.ts) it marked the first one's run interrupted, "resumed" it from its
 * checkpoint and trained it again, so one run ended as two model versions.
 */

const TRAIN = ['--json', '--width', '0.125', '--size', '32', '--batch', '16', '--freeze', 'none', '--optimizer', 'adamw', '--lr', '0.003', '--threads', '1']

describe('a second trainer on the same project', () => {
  let dir: string
  let project: string

  beforeAll(async () => {
    const set = await syntheticFolder({ ok: 40, scratch: 10 }, 11)
    dir = set.dir
    const store = await importedProject(dir, set.data, 'claimed')
    project = store.file
    store.close()
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('is refused with the first one named while it trains; the first finishes its run alone; then training works again', async () => {
    const first = spawn(process.execPath, [join(process.cwd(), 'bin/defect-studio.js'), 'train', '--project', project, '--epochs', '12', ...TRAIN], {
      env: { ...process.env, DEFECT_STUDIO_DATA_DIR: join(dir, 'appdata'), DEFECT_STUDIO_FROM_SOURCE: '1' },
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let stdout = ''
    let stderr = ''
    first.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    const done = new Promise<number | null>((resolve) => first.on('close', resolve))
    // Wait until it trains (its first progress line): the claim is held from before that.
    await new Promise<void>((resolve, reject) => {
      first.stdout.on('data', (d: Buffer) => {
        stdout += d.toString()
        if (stdout.includes('"event":"progress"')) resolve()
      })
      first.on('close', () => reject(new Error(`the first trainer ended before training: ${stderr}`)))
    })
    const second = captureIo()
    const code = await runCli(['train', '--project', project, '--epochs', '2', ...TRAIN], second.io)
    expect(code).not.toBe(0)
    const said = [...second.out, ...second.err].join('\n')
    expect(said).toContain(`Another process is training this project: pid ${first.pid} on ${hostname()}`)
    expect(await done).toBe(0)
    expect(stderr).toBe('')
    const store = openProject(project)
    try {
      // One run, one model version: the second process trained nothing.
      expect(store.models.list().map((m) => m.version)).toEqual([1])
      expect(store.runs.list().map((r) => r.status)).toEqual(['done'])
    } finally {
      store.close()
    }
    expect(existsSync(`${project}.trainer`)).toBe(false)
    const again = captureIo()
    expect(await runCli(['train', '--project', project, '--epochs', '1', '--fresh', ...TRAIN], again.io)).toBe(0)
  }, 240_000)

  it('takes over a claim left by a process that is gone', async () => {
    const gone = spawnSync(process.execPath, ['-e', '0']).pid!
    await writeFile(`${project}.trainer`, JSON.stringify({ pid: gone, host: hostname(), since: new Date().toISOString() }))
    const run = captureIo()
    expect(await runCli(['train', '--project', project, '--epochs', '1', '--fresh', ...TRAIN], run.io)).toBe(0)
    expect(existsSync(`${project}.trainer`)).toBe(false)
  }, 120_000)
})
