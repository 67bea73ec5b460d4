import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TrainingService, type TrainingRunner } from '../../../electron/services/training-service'
import { AnomalyService } from '../../../electron/services/anomaly-service'
import { createProject, type ProjectStore } from '../../../electron/store/project-store'

/**
 * Issue 11 item 2: the last training run and the last anomaly fit belong to the project
 * they ran in. Opening another project must not show their results under its name.
 */
describe('training and anomaly results follow the open project', () => {
  let dir: string
  let a: ProjectStore
  let b: ProjectStore
  let open: ProjectStore

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ds-switch-'))
    a = createProject(join(dir, 'a.dsproj'))
    b = createProject(join(dir, 'b.dsproj'))
    open = a
  })
  afterAll(async () => {
    a?.close()
    b?.close()
    await rm(dir, { recursive: true, force: true })
  })

  it('the last training run shows in its own project only', async () => {
    // A runner that finishes at once: this test is about whose result it is, not training.
    const runner = {
      run: async (_file: string, _options: unknown, hooks: { onStart: (s: { runId: number; resumedFromEpoch: null }) => void }) => {
        hooks.onStart({ runId: 7, resumedFromEpoch: null })
        return { runId: 7, status: 'done', modelVersion: 1, activated: true, reason: 'first model', metrics: null, imagesPerSecond: 1 }
      }
    } as unknown as TrainingRunner
    const service = new TrainingService({ project: () => open, emit: () => undefined, runner })
    open = a
    await service.start({ mode: 'quick' })
    await service.idle()
    expect(service.status().last?.modelVersion).toBe(1)
    open = b
    expect(service.status()).toEqual({ state: 'idle', runId: null, progress: null, last: null })
    open = a
    expect(service.status().last?.modelVersion).toBe(1)
  })

  it('a run still going in A is not shown in B, its events do not reach B, and A shows it again', async () => {
    let finish!: () => void
    let progress!: () => void
    const runner = {
      run: async (_file: string, _options: unknown, hooks: { onStart: (s: { runId: number; resumedFromEpoch: null }) => void; onProgress: (runId: number, p: unknown) => void }) => {
        hooks.onStart({ runId: 9, resumedFromEpoch: null })
        const p = { epoch: 1, epochs: 3, step: 1, stepsPerEpoch: 2, loss: 1, accuracy: 0.5, imagesPerSecond: 1, etaSeconds: 1, provider: 'cpu', lr: 0.01 }
        progress = () => hooks.onProgress(9, p)
        await new Promise<void>((resolve) => (finish = resolve))
        return { runId: 9, status: 'done', modelVersion: 2, activated: true, reason: 'better', metrics: null, imagesPerSecond: 1 }
      }
    } as unknown as TrainingRunner
    const events: Array<{ event: string; open: string }> = []
    const service = new TrainingService({ project: () => open, emit: (event) => events.push({ event, open: open.file }), runner })
    open = a
    await service.start({ mode: 'quick' })
    progress()
    expect(service.status().state).toBe('training')
    open = b
    progress()
    expect(service.status()).toEqual({ state: 'idle', runId: null, progress: null, last: null, busyElsewhere: { projectPath: a.file } })
    await expect(service.start({ mode: 'quick' })).rejects.toThrow(/already in progress in another project/)
    open = a
    expect(service.status()).toMatchObject({ state: 'training', runId: 9, progress: { runId: 9, epoch: 1 } })
    open = b
    finish()
    await service.idle()
    // B heard nothing of A's run, not even its end; A gets its result on return.
    expect(events.filter((e) => e.open === b.file)).toEqual([])
    expect(events.filter((e) => e.open === a.file).map((e) => e.event)).toEqual(['training:progress'])
    expect(service.status().last).toBeNull()
    open = a
    expect(service.status()).toMatchObject({ state: 'done', last: { modelVersion: 2 } })
  })

  it('the last anomaly fit shows in its own project only', async () => {
    const service = new AnomalyService({ project: () => open, emit: () => undefined })
    open = a
    // Project A has no images: the fit fails at once, and that failure is A's result.
    service.train({})
    await service.idle()
    expect(service.status().last?.status).toBe('failed')
    open = b
    expect(service.status()).toEqual({ state: 'idle', last: null })
    open = a
    expect(service.status().state).toBe('error')
  })
})
