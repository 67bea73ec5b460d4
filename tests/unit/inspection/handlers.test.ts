import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Router } from '../../../electron/services/router'
import { ProjectService } from '../../../electron/services/project-service'
import { wireInspection } from '../../../electron/services/inspection/wire'
import { LocalInspectionEngine } from '../../../electron/services/inspection/local-engine'
import { generateSyntheticSet } from '../../support/synthetic-defects'
import { createTinyProject } from './fixture'

/** The inspection and history channels through the real Router, as IPC and WebSocket use them. */
const ctx = { trusted: true, origin: 'test' }
let dir: string
let router: Router
let projects: ProjectService
let wired: ReturnType<typeof wireInspection>
let image: string
const events: string[] = []

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ds-insp-handlers-'))
  process.env.DEFECT_STUDIO_DATA_DIR = join(dir, 'data')
  createTinyProject(dir).close()
  const { files } = await generateSyntheticSet({ root: join(dir, 'p'), seed: 4, counts: { ok: 1 }, width: 40, height: 40 })
  image = readFileSync(files[0]!.path).toString('base64')
  router = new Router()
  projects = new ProjectService()
  wired = wireInspection({
    router,
    emit: (e) => events.push(e),
    currentProject: () => projects.currentOrNull(),
    onProjectChange: (l) => projects.onChange(l),
    engineFactory: (loader) => new LocalInspectionEngine(loader)
  })
})
afterAll(async () => {
  await wired.close()
  projects.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('inspection handlers', () => {
  it('refuses bad payloads and answers no-project before a project is open', async () => {
    expect((await router.handle('inspection:frame', { image: 42 }, ctx)) as { ok: boolean; error: { code: string } }).toMatchObject({ ok: false, error: { code: 'invalid-payload' } })
    expect(await router.handle('history:list', { limit: 5000 }, ctx)).toMatchObject({ ok: false, error: { code: 'invalid-payload' } })
    expect(await router.handle('inspection:settings', { deadlineMs: 1 }, ctx)).toMatchObject({ ok: false, error: { code: 'invalid-payload' } })
    expect(await router.handle('inspection:status', {}, ctx)).toMatchObject({ ok: false, error: { code: 'no-project' } })
    expect(await router.handle('inspection:status', {}, { trusted: false, origin: 'evil' })).toMatchObject({ ok: false, error: { code: 'untrusted-sender' } })
  })

  it('inspects a frame, lists it in history, serves its image and exports CSV', async () => {
    await projects.open(join(dir, 'line.dsproj'))
    expect(await router.handle('inspection:settings', { deadlineMs: 60_000 }, ctx)).toMatchObject({ ok: true, value: { deadlineMs: 60_000 } })
    const start = await router.handle('inspection:start', { source: 'file' }, ctx)
    expect(start).toMatchObject({ ok: true, value: { state: 'running', models: { classifier: { version: 1 } } } })
    const frame = (await router.handle('inspection:frame', { image, capturedAt: Date.now(), triggered: true, source: 'file', file: 'a.png' }, ctx)) as {
      ok: true
      value: { dropped: false; record: { id: number; verdict: string } }
    }
    expect(frame.ok).toBe(true)
    expect(['PASS', 'FAIL']).toContain(frame.value.record.verdict)
    const list = await router.handle('history:list', {}, ctx)
    expect(list).toMatchObject({ ok: true, value: { total: 1 } })
    const csv = (await router.handle('history:export-csv', {}, ctx)) as { ok: true; value: { csv: string; rows: number } }
    expect(csv.value.rows).toBe(1)
    expect(csv.value.csv).toContain('a.png')
    const camLost = (await router.handle('inspection:frame', { image: '', capturedAt: Date.now(), cameraLost: true }, ctx)) as { ok: true; value: { record: { verdict: string; reason: string } } }
    expect(camLost.value.record).toMatchObject({ verdict: 'NO_VERDICT', reason: 'camera-lost' })
    const empty = await router.handle('inspection:frame', { image: '', capturedAt: Date.now() }, ctx)
    expect(empty).toMatchObject({ ok: false, error: { code: 'failed' } })
    expect(await router.handle('history:image', { id: 9999 }, ctx)).toMatchObject({ ok: false, error: { code: 'not-found' } })
    expect(events).toContain('inspection:result')
    // The first image is kept if it failed; a PASS is only sampled (1 in 20 by default).
    const media = await wired.media(frame.value.record.id)
    if (frame.value.record.verdict === 'FAIL') expect(media).toMatchObject({ contentType: 'image/png' })
    else expect(media).toBeNull()
  })
})
