import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createAppServices, type AppServices } from '../../../electron/services/app-services'
import { generateSyntheticSet } from '../../support/synthetic-defects'
import { createTinyProject } from './fixture'

/**
 * The inspection and history channels through the app's own composition root
 * (createAppServices: the Router, inspection manager and media route that IPC and the
 * WebSocket use), frames as bytes and kept images by URL.
 */
const ctx = { trusted: true, origin: 'test' }
let dir: string
let services: AppServices
let router: AppServices['router']
let image: Uint8Array
const events: string[] = []

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ds-insp-handlers-'))
  process.env.DEFECT_STUDIO_DATA_DIR = join(dir, 'data')
  createTinyProject(dir).close()
  const { files } = await generateSyntheticSet({ root: join(dir, 'p'), seed: 4, counts: { ok: 1 }, width: 40, height: 40 })
  image = new Uint8Array(readFileSync(files[0]!.path))
  services = await createAppServices({ mode: 'electron', startEngine: false })
  router = services.router
  services.onEvent((e) => events.push(e))
})
afterAll(async () => {
  await services.close()
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
    expect(await router.handle('projects:open', { path: join(dir, 'line.dsproj') }, ctx)).toMatchObject({ ok: true })
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
    // A frame as base64 text (the old wire format) is refused with a clear message.
    expect(await router.handle('inspection:frame', { image: Buffer.from(image).toString('base64'), capturedAt: Date.now() }, ctx)).toMatchObject({ ok: false, error: { code: 'invalid-payload', message: expect.stringMatching(/as bytes/) } })
    const camLost = (await router.handle('inspection:frame', { image: new Uint8Array(0), capturedAt: Date.now(), cameraLost: true }, ctx)) as { ok: true; value: { record: { verdict: string; reason: string } } }
    expect(camLost.value.record).toMatchObject({ verdict: 'NO_VERDICT', reason: 'camera-lost' })
    const empty = await router.handle('inspection:frame', { image: new Uint8Array(0), capturedAt: Date.now() }, ctx)
    expect(empty).toMatchObject({ ok: false, error: { code: 'failed' } })
    expect(await router.handle('history:image', { id: 1 }, ctx)).toMatchObject({ ok: false, error: { code: 'unknown-channel' } })
    expect(await services.media('inspection', '9999', false)).toBeNull()
    expect(events).toContain('inspection:result')
    // The first image is kept if it failed; a PASS is only sampled (1 in 20 by default).
    const media = await services.media('inspection', String(frame.value.record.id), false)
    if (frame.value.record.verdict === 'FAIL') expect(media).toMatchObject({ contentType: 'image/png' })
    else expect(media).toBeNull()
  })

  it('refuses a correction that contradicts itself (PASS with a defect class, FAIL with the good class), saying why', async () => {
    const list = (await router.handle('history:list', {}, ctx)) as { ok: true; value: { rows: Array<{ id: number }> } }
    const id = list.value.rows[0]!.id
    const passDefect = (await router.handle('history:override', { id, verdict: 'PASS', className: 'scratch' }, ctx)) as { ok: false; error: { code: string; message: string } }
    expect(passDefect).toMatchObject({ ok: false, error: { code: 'invalid-payload' } })
    expect(passDefect.error.message).toMatch(/A PASS correction must use the good class "ok", not "scratch"/)
    const failGood = (await router.handle('history:override', { id, verdict: 'FAIL', className: 'ok' }, ctx)) as { ok: false; error: { code: string; message: string } }
    expect(failGood).toMatchObject({ ok: false, error: { code: 'invalid-payload' } })
    expect(failGood.error.message).toMatch(/A FAIL correction needs a defect class, not the good class "ok"/)
    // Nothing was recorded by the refused ones; a consistent one goes through.
    const after = (await router.handle('history:list', {}, ctx)) as { ok: true; value: { rows: Array<{ id: number; override: unknown }> } }
    expect(after.value.rows.find((r) => r.id === id)!.override).toBeNull()
    expect(await router.handle('history:override', { id, verdict: 'FAIL', className: 'scratch' }, ctx)).toMatchObject({ ok: true, value: { record: { override: { verdict: 'FAIL', className: 'scratch' } } } })
  })
})
