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
