import { afterEach, describe, expect, expectTypeOf, it, vi } from 'vitest'
import type { EmitEvent, EventPayload } from '../../../shared/contract/index'
import { createAppServices, type AppServices } from '../../../electron/services/app-services'
import type { EngineCaller, WorkerProgress, WorkerResult } from '../../../electron/engine/worker-host'
import type { TrainOutcome } from '../../../electron/engine/train/training-job'
import type { TrainWorkerProgress } from '../../../electron/engine/worker/handlers/train'

/**
 * Events and worker calls are typed by name from one declaration: the contract's event
 * schemas, and each worker handler's payload, result and progress. The `@ts-expect-error`
 * lines are checked by `npm run typecheck` (this file is in tsconfig.node.json): each is a
 * wrong payload that must NOT compile, so the typecheck fails if a boundary goes back to
 * `(event: string, payload: unknown)`. The functions holding them never run.
 */

function wrongEventPayloads(emit: EmitEvent): void {
  emit('training:epoch', { runId: 1, epoch: 1, trainLoss: 0.5, trainAccuracy: 0.9, valAccuracy: 0.8, valBalancedAccuracy: 0.8, valDefectRecall: null, valLoss: null, lr: 0.001, seconds: 3 })
  // @ts-expect-error runId is a number
  emit('training:done', { runId: 'one', status: 'done', modelVersion: 1, activated: true, reason: '', metrics: null, imagesPerSecond: 1 })
  // @ts-expect-error 'finished' is not a training:done status
  emit('training:done', { runId: 1, status: 'finished', modelVersion: 1, activated: true, reason: '', metrics: null, imagesPerSecond: 1 })
  // @ts-expect-error no such event
  emit('training:finished', {})
  // @ts-expect-error engine:weights-progress needs received and total
  emit('engine:weights-progress', { received: 10 })
  // @ts-expect-error 'stopped' is not a state the contract sends
  emit('app:engine-status', { state: 'stopped', provider: 'cpu', providerReason: '' })
}

async function wrongWorkerCalls(host: EngineCaller): Promise<void> {
  // @ts-expect-error training:run needs the project file and options
  await host.call('training:run', { options: { mode: 'full' } })
  // @ts-expect-error no such worker request
  await host.call('training:go', {})
  await host.call('anomaly:fit', { images: [], size: 64, options: {} } as never, {
    // @ts-expect-error anomaly:fit reports phases, not training steps
    onProgress: (p) => p.kind
  })
}

describe('typed boundaries', () => {
  it('types worker results and progress from the handler', () => {
    expectTypeOf<WorkerResult<'training:run'>>().toEqualTypeOf<TrainOutcome>()
    expectTypeOf<WorkerProgress<'training:run'>>().toEqualTypeOf<TrainWorkerProgress>()
    expectTypeOf<WorkerProgress<'ping'>>().toBeNever()
    expectTypeOf<EventPayload<'engine:crashed'>>().toHaveProperty('inFlight').toEqualTypeOf<string[]>()
    // Referenced so that they are type-checked; they never run.
    expect(typeof wrongEventPayloads).toBe('function')
    expect(typeof wrongWorkerCalls).toBe('function')
  })

  let services: AppServices | undefined
  afterEach(async () => {
    await services?.close()
    services = undefined
    vi.restoreAllMocks()
  })

  it('sends an event only when its payload fits the contract, and says which field did not', async () => {
    services = await createAppServices({ mode: 'browser', startEngine: false })
    const seen: Array<{ event: string; payload: unknown }> = []
    services.onEvent((event, payload) => seen.push({ event, payload }))
    const error = vi.spyOn(console, 'error').mockImplementation(() => {})

    services.emit('engine:weights-progress', { received: 10, total: 100 })
    // What untyped code (or a NaN) could still send: checked at run time.
    const untyped = services.emit as (event: string, payload: unknown) => void
    untyped('engine:weights-progress', { received: Number.NaN, total: 100 })
    untyped('engine:weights-progress', { received: 'ten', total: 100 })

    expect(seen).toEqual([{ event: 'engine:weights-progress', payload: { received: 10, total: 100 } }])
    expect(error).toHaveBeenCalledTimes(2)
    expect(String(error.mock.calls[0]![0])).toMatch(/"engine:weights-progress" not sent.*received/)
  })
})
