import { spawn } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { startBrowserServer, type RunningServer } from '../../../electron/server/browser-server'
import { createAppServices, type AppServices } from '../../../electron/services/app-services'
import { importImages } from '../../../electron/services/import-service'
import { createProject, openProject } from '../../../electron/store/project-store'
import { generateSyntheticSet } from '../../support/synthetic-defects'

// Issue 12 item 3: two CLI imports and a labelling client (browser mode) on one project at
// once. Every write transaction takes the write lock first (BEGIN IMMEDIATE), so a second
// writer waits for busy_timeout instead of failing with SQLITE_BUSY(_SNAPSHOT).
const ROUNDS = 2
const PER_FOLDER = 10
let services: AppServices | null = null
let running: RunningServer | null = null

afterAll(async () => {
  await running?.close()
  await services?.close()
})

function cliImport(project: string, from: string, data: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(process.cwd(), 'bin', 'defect-studio.js'), 'import', '--project', project, '--from', from, '--json'], {
      env: { ...process.env, DEFECT_STUDIO_DATA_DIR: data, DEFECT_STUDIO_FROM_SOURCE: '1' },
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()))
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()))
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }))
  })
}

/** A browser-mode client that relabels images until told to stop; every call must succeed. */
function labellingClient(url: string, imageIds: number[], classIds: number[]) {
  const ws = new WebSocket(url)
  let id = 0
  const pending = new Map<number, (r: any) => void>()
  ws.on('message', (data) => {
    const m = JSON.parse(String(data)) as { id?: number; result?: unknown }
    if (typeof m.id === 'number') pending.get(m.id)?.(m.result)
  })
  const call = (channel: string, payload: unknown) =>
    new Promise<any>((resolve) => {
      id += 1
      pending.set(id, resolve)
      ws.send(JSON.stringify({ id, channel, payload }))
    })
  const failures: string[] = []
  const last = new Map<number, number>()
  let calls = 0
  let stop = false
  const done = new Promise<void>((resolve, reject) => {
    ws.on('error', reject)
    ws.on('open', async () => {
      while (!stop) {
        const image = imageIds[calls % imageIds.length]!
        const classId = classIds[calls % classIds.length]!
        const r = await call('images:set-label', { imageIds: [image], classId })
        if (r.ok) last.set(image, classId)
        else failures.push(r.error.message)
        const listed = await call('images:list', { limit: 50 })
        if (!listed.ok) failures.push(listed.error.message)
        calls += 1
      }
      ws.close()
      resolve()
    })
  })
  return { stop: () => ((stop = true), done), failures, last, calls: () => calls }
}

describe('two writers on one project', () => {
  it(`${ROUNDS}× two parallel CLI imports while a browser-mode client labels: all complete, counts add up`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ds-two-writers-'))
    const data = join(dir, 'data')
    process.env.DEFECT_STUDIO_DATA_DIR = data
    const project = join(dir, 'line.dsproj')
    const seedSet = join(dir, 'seed')
    await generateSyntheticSet({ root: seedSet, seed: 100, counts: { ok: 3, spot: 3 }, width: 32, height: 32 })
    const initial = createProject(project)
    await importImages(initial, { kind: 'folder', folder: seedSet })
    const imageIds = initial.images.list({}, { offset: 0, limit: 100 }).items.map((i) => i.id)
    const classIds = initial.classes.list().map((c) => c.id)
    initial.close()
    expect(imageIds).toHaveLength(6)

    services = await createAppServices({ mode: 'browser', startEngine: false, projectFile: project })
    running = await startBrowserServer({ services, port: 0, host: '127.0.0.1', token: null, rendererDir: dir })
    let expected = 6
    const client = labellingClient(`ws://127.0.0.1:${running.port}/api`, imageIds, classIds)
    for (let round = 0; round < ROUNDS; round++) {
      const folders = [join(dir, `r${round}-a`), join(dir, `r${round}-b`)]
      await Promise.all(folders.map((root, i) => generateSyntheticSet({ root, seed: 1000 + round * 10 + i, counts: { ok: PER_FOLDER - 3, scratch: 3 }, width: 32, height: 32 })))
      const results = await Promise.all(folders.map((from) => cliImport(project, from, data)))
      for (const r of results) {
        expect(r.stderr + r.stdout, `exit ${r.code}`).not.toMatch(/locked|busy/i)
        expect(r.code).toBe(0)
        const report = JSON.parse(r.stdout.trim().split('\n').pop()!) as { imported: number; rejected: unknown[]; duplicates: unknown[] }
        expect(report).toMatchObject({ imported: PER_FOLDER, rejected: [], duplicates: [] })
      }
      expected += 2 * PER_FOLDER
    }
    await client.stop()
    expect(client.failures).toEqual([])
    expect(client.calls()).toBeGreaterThan(0)
    await running.close()
    running = null
    await services.close()
    services = null

    const store = openProject(project)
    try {
      expect(store.integrityCheck()).toBe('ok')
      expect(store.images.count()).toBe(expected)
      const counts = store.classes.listWithCounts()
      expect(counts.reduce((n, c) => n + c.count, 0)).toBe(expected)
      expect(counts.map((c) => c.name).sort()).toEqual(['ok', 'scratch', 'spot'])
      for (const [image, classId] of client.last) expect(store.images.get(image).classId).toBe(classId)
    } finally {
      store.close()
    }
  })
})
