import { spawn, spawnSync } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from '../../../electron/cli/index'
import { HistoryStore } from '../../../electron/store/history/history-store'
import { createProject } from '../../../electron/store/project-store'
import { generateSyntheticSet } from '../../support/synthetic-defects'
import { createTinyProject } from './fixture'
import { captureIo as capture } from '../../support/cli-harness'

const root = join(__dirname, '..', '..', '..')
let dir: string
let project: string
let parts: string
let files: string[]

beforeAll(async () => {
  process.env.DEFECT_STUDIO_DATA_DIR = join(tmpdir(), 'ds-data')
  dir = mkdtempSync(join(tmpdir(), 'ds-cli-inspect-'))
  const store = createTinyProject(dir)
  project = store.file
  store.close()
  parts = join(dir, 'parts')
  const set = await generateSyntheticSet({ root: join(dir, 'gen'), seed: 5, counts: { ok: 3, scratch: 2 }, width: 40, height: 40 })
  mkdirSync(parts)
  files = set.files.map((f, i) => {
    const target = join(parts, `SN-${100 + i}_cam1.png`)
    copyFileSync(f.path, target)
    return target
  })
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('defect-studio inspect', () => {
  it('prints one inspect JSON line per image and records each in the history', async () => {
    const { io, out } = capture()
    const code = await runCli(['inspect', '--project', project, '--from', parts, '--json', '--deadline-ms', '60000', '--operator', 'night-shift'], io)
    expect(code).toBe(0)
    const lines = out.map((l) => JSON.parse(l) as Record<string, unknown>)
    expect(lines.length).toBe(files.length)
    for (const l of lines) {
      expect(Object.keys(l)).toEqual(expect.arrayContaining(['file', 'verdict', 'class', 'scores', 'modelVersion', 'latencyMs', 'partId']))
      expect(['PASS', 'FAIL']).toContain(l.verdict)
      expect(l.modelVersion).toBe(1)
      expect(l.actor).toBe('night-shift')
      expect(typeof l.latencyMs).toBe('number')
    }
    const history = HistoryStore.open(join(dir, 'line.history.sqlite'))
    try {
      const rows = history.inspections.list({}, { limit: 100, offset: 0 }).rows
      expect(rows.length).toBe(files.length)
      expect(new Set(rows.map((r) => r.id))).toEqual(new Set(lines.map((l) => l.inspectionId)))
      expect(rows.every((r) => r.source === 'cli' && r.actor === 'night-shift')).toBe(true)
    } finally {
      history.close()
    }
  })

  it('takes part ids from the file name pattern and a per-run threshold', async () => {
    const store = (await import('../../../electron/store/project-store')).openProject(project)
    store.settings.set('inspection', { partIdPattern: '^(SN-\\d+)_' })
    store.close()
    const { io, out } = capture()
    expect(await runCli(['inspect', '--project', project, '--from', files[0]!, '--json', '--deadline-ms', '60000', '--threshold', '1'], io)).toBe(0)
    const line = JSON.parse(out[0]!) as { partId: string; verdict: string; threshold: number }
    expect(line).toMatchObject({ partId: 'SN-100', verdict: 'FAIL', threshold: 1 })
  })

  it('fails with {"error"} and a non-zero exit for a missing project or input', async () => {
    const a = capture()
    expect(await runCli(['inspect', '--project', join(dir, 'nope.dsproj'), '--from', parts, '--json', '--deadline-ms', '60000'], a.io)).not.toBe(0)
    expect(JSON.parse(a.out[0]!)).toHaveProperty('error')
    const b = capture()
    expect(await runCli(['inspect', '--project', project, '--from', join(dir, 'missing'), '--json', '--deadline-ms', '60000'], b.io)).toBe(2)
    expect(JSON.parse(b.out[0]!).error).toMatch(/does not exist/)
  })

  it('moves a model between projects with models export|import and gives the same scores', async () => {
    const pkg = join(dir, 'model.dsmodel')
    const e = capture()
    expect(await runCli(['models', '--project', project, 'export', pkg, '--json'], e.io)).toBe(0)
    expect(JSON.parse(e.out[0]!)).toMatchObject({ exported: 1 })
    const other = createProject(join(dir, 'other-pc.dsproj'))
    other.close()
    const i = capture()
    expect(await runCli(['models', '--project', join(dir, 'other-pc.dsproj'), 'import', pkg, '--json'], i.io)).toBe(0)
    expect(JSON.parse(i.out[0]!)).toMatchObject({ imported: 1, kind: 'classifier', activated: true })
    const a = capture()
    const b = capture()
    await runCli(['inspect', '--project', project, '--from', files[1]!, '--json', '--deadline-ms', '60000'], a.io)
    await runCli(['inspect', '--project', join(dir, 'other-pc.dsproj'), '--from', files[1]!, '--json', '--deadline-ms', '60000'], b.io)
    const sa = JSON.parse(a.out[0]!) as { scores: Record<string, number>; class: string }
    const sb = JSON.parse(b.out[0]!) as { scores: Record<string, number>; class: string }
    expect(sb.scores).toEqual(sa.scores)
    expect(sb.class).toBe(sa.class)
  })

  it('runs for real through bin/defect-studio.js', () => {
    const r = spawnSync(process.execPath, [join(root, 'bin', 'defect-studio.js'), 'inspect', '--project', project, '--from', files[2]!, '--json', '--deadline-ms', '60000'], {
      env: { ...process.env, DEFECT_STUDIO_FROM_SOURCE: '1' },
      encoding: 'utf8',
      timeout: 90_000
    })
    expect(r.status).toBe(0)
    const line = JSON.parse(r.stdout.trim().split('\n').pop()!) as { file: string; verdict: string }
    expect(line.file).toBe(files[2])
    expect(['PASS', 'FAIL']).toContain(line.verdict)
  })

  it('--watch inspects files as they arrive until stopped', async () => {
    const watched = join(dir, 'hot')
    mkdirSync(watched)
    const child = spawn(process.execPath, [join(root, 'bin', 'defect-studio.js'), 'inspect', '--project', project, '--from', watched, '--watch', '--json', '--deadline-ms', '60000'], {
      env: { ...process.env, DEFECT_STUDIO_FROM_SOURCE: '1' }
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    const waitFor = async (cond: () => boolean, what: string): Promise<void> => {
      for (let i = 0; i < 600 && !cond(); i++) await new Promise((r) => setTimeout(r, 100))
      if (!cond()) throw new Error(`timed out waiting for ${what}; stderr: ${stderr}`)
    }
    await waitFor(() => stderr.includes('Watching'), 'the watcher to start')
    copyFileSync(files[3]!, join(watched, 'late-part.png'))
    await waitFor(() => stdout.includes('late-part.png'), 'the verdict line')
    child.kill('SIGINT')
    const code = await new Promise<number | null>((r) => child.on('exit', r))
    expect(code).toBe(0)
    const line = JSON.parse(stdout.trim().split('\n')[0]!) as { file: string; source: string }
    expect(line).toMatchObject({ file: 'late-part.png', source: 'hot-folder' })
  })
})
