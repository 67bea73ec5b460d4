import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { generateSyntheticSet } from '../../support/synthetic-defects'
import { LocalInspectionEngine } from '../../../electron/services/inspection/local-engine'
import { storeModelLoader } from '../../../electron/services/inspection/manager'
import { InspectionService } from '../../../electron/services/inspection/service'
import { HistoryStore } from '../../../electron/store/history/history-store'
import type { ProjectStore } from '../../../electron/store/project-store'
import { addTinyModel, createTinyProject } from './fixture'
import { connectionOf } from '../../support/store-connection'

/**
 * The service with the real engine (ONNX Runtime, a tiny generated ResNet18): a generated
 * stream of synthetic part images goes through the pipeline; every inspected frame is in
 * the history with its model version, threshold and part id; model swaps are announced.
 */
let dir: string
let store: ProjectStore
let engine: LocalInspectionEngine
let service: InspectionService
let events: Array<{ event: string; payload: unknown }>
let files: string[]

beforeEach(async () => {
  process.env.DEFECT_STUDIO_DATA_DIR = join(tmpdir(), 'ds-data')
  dir = mkdtempSync(join(tmpdir(), 'ds-insp-svc-'))
  store = createTinyProject(dir, { threshold: 0.4 })
  const set = await generateSyntheticSet({ root: join(dir, 'parts'), seed: 3, counts: { ok: 6, scratch: 3, spot: 3 }, width: 48, height: 48 })
  files = set.files.map((f) => f.path)
  engine = new LocalInspectionEngine(storeModelLoader(store), { threads: 1 })
  events = []
  // modelCheckMs 0: a newly activated model is looked for before every frame (default: once a second).
  service = new InspectionService({ project: store, engine, modelCheckMs: 0, emit: (event, payload) => events.push({ event, payload }) })
  // Verdict paths under test, not the deadline (pipeline.test.ts covers it): a busy CI box must not flip them.
  service.updateSettings({ deadlineMs: 60_000 })
})
afterEach(async () => {
  await service.close()
  await engine.release()
  store.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('InspectionService with the ONNX engine', () => {
  it('inspects a generated stream, drops stale camera frames, and records every verdict with traceability', async () => {
    service.updateSettings({ operator: 'shift-A', passSampleEvery: 1, heatmap: true, deadlineMs: 10_000 })
    await service.start({ source: 'camera' })
    const images = files.map((f) => readFileSync(f))
    // Camera frames arrive all at once (faster than inference): latest wins.
    const outcomes = await Promise.all(images.map((image) => service.submit({ image, capturedAt: Date.now(), source: 'camera' })))
    const inspected = outcomes.filter((o) => !o.dropped)
    const stats = service.status().stats
    expect(stats.dropped).toBe(outcomes.length - inspected.length)
    expect(stats.dropped).toBeGreaterThan(0)
    expect(stats.inspected).toBe(inspected.length)
    const history = service.listHistory({}, { limit: 100, offset: 0 })
    expect(history.total).toBe(inspected.length)
    for (const row of history.rows) {
      expect(row).toMatchObject({ modelVersion: 1, actor: 'shift-A', threshold: 0.4, source: 'camera', imageKept: true })
      expect(row.partId).toMatch(/^P-\d{6}$/)
      expect(Object.keys(row.scores).sort()).toEqual(['ok', 'scratch', 'spot'])
      expect(['PASS', 'FAIL']).toContain(row.verdict)
      // Reject when p(ok) < t, else pass.
      expect(row.verdict).toBe(row.scores.ok! < 0.4 ? 'FAIL' : 'PASS')
    }
    const result = events.find((e) => e.event === 'inspection:result')!.payload as { heatmap: { width: number; height: number; values: number[] } | null }
    expect(result.heatmap).not.toBeNull()
    expect(result.heatmap!.values.length).toBe(result.heatmap!.width * result.heatmap!.height)
    expect(stats.latencyP50).toBeGreaterThan(0)
  })

  it('triggered files are all inspected; the project threshold override applies; a new model swaps in between frames', async () => {
    await service.start({ source: 'file' })
    service.updateSettings({ thresholdOverride: 1 })
    const first = await Promise.all(files.slice(0, 4).map((f) => service.inspectFile(f, 'file')))
    // With t = 1 nothing can pass (p(ok) < 1 always).
    expect(first.map((o) => (o.dropped ? 'dropped' : o.record.verdict))).toEqual(['FAIL', 'FAIL', 'FAIL', 'FAIL'])
    expect(first.every((o) => !o.dropped && o.record.threshold === 1)).toBe(true)

    addTinyModel(store, { seed: 11 })
    const next = await service.inspectFile(files[4]!, 'file')
    expect(next).toMatchObject({ dropped: false, record: { modelVersion: 2 } })
    expect(events.filter((e) => e.event === 'inspection:model-swap').map((e) => e.payload)).toContainEqual({ kind: 'classifier', from: 1, to: 2 })
  })

  it('gives NO_VERDICT without an active model and for an undecodable image, counted as rejects', async () => {
    const bad = await service.submit({ image: Buffer.from('not an image'), capturedAt: Date.now(), source: 'file', triggered: true, file: 'broken.png' })
    expect(bad).toMatchObject({ dropped: false, record: { verdict: 'NO_VERDICT', reason: 'bad-image', file: 'broken.png' } })
    connectionOf(store).prepare('UPDATE models SET active = 0').run()
    const none = await service.inspectFile(files[0]!, 'file')
    expect(none).toMatchObject({ dropped: false, record: { verdict: 'NO_VERDICT', reason: 'no-model', modelVersion: null } })
    expect(service.status().stats).toMatchObject({ noVerdict: 2, failRate: 1 })
    expect(service.history.incidents.list().length).toBeGreaterThan(0)
  })

  it('serves the external trigger on loopback once a port is set, and asks the screen for a frame', async () => {
    expect(service.status().triggerUrl).toBeNull()
    service.updateSettings({ triggerPort: 0 })
    for (let i = 0; i < 50 && !service.status().triggerUrl; i++) await new Promise((r) => setTimeout(r, 20))
    const url = service.status().triggerUrl!
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/trigger$/)
    // Not running: refused, nothing asked of the screen.
    expect((await fetch(url, { method: 'POST' })).status).toBe(409)
    await service.start({ source: 'camera' })
    expect((await fetch(url, { method: 'POST', body: JSON.stringify({ partId: 'SN-9' }) })).status).toBe(202)
    expect(events.filter((e) => e.event === 'inspection:trigger').map((e) => e.payload)).toEqual([{ partId: 'SN-9' }])
    service.updateSettings({ triggerPort: null })
    for (let i = 0; i < 50 && service.status().triggerUrl; i++) await new Promise((r) => setTimeout(r, 20))
    expect(service.status().triggerUrl).toBeNull()
  })

  it('puts an overridden image into the labelling set with the corrected class', async () => {
    service.updateSettings({ thresholdOverride: 1 })
    const o = await service.inspectFile(files[0]!, 'file')
    if (o.dropped) throw new Error('unexpected drop')
    const before = store.images.count()
    const { record, imageId } = await service.override(o.record.id, 'PASS', 'ok')
    expect(record.override).toMatchObject({ verdict: 'PASS', className: 'ok' })
    expect(imageId).not.toBeNull()
    expect(store.images.count()).toBe(before + 1)
    expect(store.labels.get(imageId!)).toBe(store.classes.findByName('ok')!.id)
    await expect(service.override(o.record.id, 'FAIL', 'no-such-class')).rejects.toThrow(/not a class/)
    // The history lives in its own file beside the project.
    const beside = HistoryStore.open(join(dir, 'line.history.sqlite'))
    expect(beside.inspections.list({}).total).toBe(1)
    beside.close()
  })
})
