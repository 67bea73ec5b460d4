import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { rm } from 'node:fs/promises'
import { Router } from '../../../electron/services/router'
import { inProcessTrainingRunner, TrainingService, workerTrainingRunner } from '../../../electron/services/training-service'
import { WorkerHost } from '../../../electron/engine/worker-host'
import { trainingHandlers } from '../../../electron/services/handlers/training'
import { openProject, type ProjectStore } from '../../../electron/store/project-store'
import { importedProject, syntheticFolder } from './project-fixture'

/** The app-side service through the router: events, one run at a time, cancel, models. */

describe('training service', () => {
  let dir: string
  let store: ProjectStore
  const events: Array<{ event: string; payload: Record<string, unknown> }> = []
  let service: TrainingService
  const router = new Router()
  const ctx = { trusted: true, origin: 'test' }

  beforeAll(async () => {
    const set = await syntheticFolder({ ok: 24, spot: 6 }, 21)
    dir = set.dir
    const imported = await importedProject(dir, set.data, 'svc')
    imported.close()
    store = openProject(imported.file)
    service = new TrainingService({
      project: () => store,
      emit: (event, payload) => events.push({ event, payload: payload as Record<string, unknown> }),
      runner: inProcessTrainingRunner,
      // The contract has no width: the app trains full-size models; tests use a reduced one.
      defaults: { width: 0.125, threads: 1 }
    })
    router.register(trainingHandlers({ training: service }))
  })
  afterAll(async () => {
    store?.close()
    await rm(dir, { recursive: true, force: true })
  })

  it('rejects bad payloads before the service sees them', async () => {
    const r = await router.handle('training:start', { mode: 'full', epochs: 0 }, ctx)
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.error.code).toBe('invalid-payload')
    const unknown = await router.handle('training:start', { wings: 2 }, ctx)
    expect(unknown.ok).toBe(false)
  })

  it('runs, emits progress/epoch/done events and refuses a second concurrent run', async () => {
    const started = await service.start({ mode: 'full', epochs: 2, batch: 8, size: 32, seed: 1, freeze: 'none', optimizer: 'adamw', lr: 0.003 })
    expect(started.runId).toBeGreaterThan(0)
    const second = await router.handle('training:start', { mode: 'full' }, ctx)
    expect(second.ok).toBe(false)
    if (!second.ok) expect(second.error.code).toBe('conflict')
    await service.idle()
    const names = events.map((e) => e.event)
    expect(names.filter((n) => n === 'training:progress').length).toBe(6) // 24 train images / 8, 2 epochs
    expect(names.filter((n) => n === 'training:epoch').length).toBe(2)
    const done = events.find((e) => e.event === 'training:done')!.payload
    expect(done.status).toBe('done')
    expect(done.modelVersion).toBe(1)
    expect(done.activated).toBe(true)
    const status = await router.handle('training:status', {}, ctx)
    expect(status.ok && (status.value as { state: string }).state).toBe('done')
    const runs = await router.handle('training:runs', {}, ctx)
    expect(runs.ok && (runs.value as Array<{ epochs: unknown[]; modelVersion: number }>)[0]!.epochs).toHaveLength(2)
    const models = await router.handle('models:list', {}, ctx)
    expect(models.ok && (models.value as Array<{ version: number; active: boolean }>).map((m) => [m.version, m.active])).toEqual([[1, true]])
  })

  it('cancels a run at the next step', async () => {
    events.length = 0
    await service.start({ mode: 'full', epochs: 3, batch: 8, size: 32, seed: 1, freeze: 'none' })
    expect((await router.handle('training:cancel', {}, ctx)).ok).toBe(true)
    await service.idle()
    const done = events.find((e) => e.event === 'training:done')!.payload
    expect(done.status).toBe('cancelled')
    expect(done.modelVersion).toBeNull()
    expect(service.status().state).toBe('idle')
  })

  it('refuses to start without validation images, with the reason', async () => {
    const ids = store.images.listLabelled().filter((r) => r.split === 'val').map((r) => r.id)
    store.splits.set(ids, 'train')
    try {
      const r = await router.handle('training:start', { mode: 'full', epochs: 1 }, ctx)
      expect(r.ok).toBe(false)
      if (!r.ok) expect(r.error.message).toMatch(/validation/)
      expect(service.status().state).toBe('error')
    } finally {
      store.splits.set(ids, 'val')
    }
  })

  it('activates and compares versions', async () => {
    const missing = await router.handle('models:activate', { version: 42 }, ctx)
    expect(!missing.ok && missing.error.code).toBe('not-found')
    const cmp = await router.handle('models:compare', { a: 1, b: 1 }, ctx)
    expect(cmp.ok && (cmp.value as { accuracyDelta: number; sameClasses: boolean })).toMatchObject({ accuracyDelta: 0, sameClasses: true })
  })

  it('trains in the engine worker thread, the main thread staying free', async () => {
    const host = new WorkerHost()
    try {
      const workerEvents: string[] = []
      const inWorker = new TrainingService({
        project: () => store,
        emit: (event) => workerEvents.push(event),
        runner: workerTrainingRunner(host),
        defaults: { width: 0.125, threads: 1 }
      })
      // The main thread's event loop keeps ticking while the worker trains.
      let ticks = 0
      const timer = setInterval(() => ticks++, 20)
      await inWorker.start({ mode: 'full', epochs: 1, batch: 8, size: 32, seed: 2, freeze: 'none', resume: false })
      await inWorker.idle()
      clearInterval(timer)
      expect(inWorker.status().last?.status).toBe('done')
      expect(workerEvents.filter((e) => e === 'training:progress')).toHaveLength(3)
      expect(ticks).toBeGreaterThan(5)
      expect(store.models.list().length).toBeGreaterThanOrEqual(2)
    } finally {
      await host.dispose()
    }
  })
})
