import { classifyHandlers } from './classify'
import { diagnosticsHandlers } from './diagnostics'
import { predictHandlers } from './predict'
import { anomalyHandlers } from './anomaly'
import { inspectHandlers } from './inspect'
import { trainHandlers, type TrainingDataOpener } from './train'
import { int8Handlers, type Int8Quantiser } from './int8'

/** What the worker thread's entry provides: the engine opens no project by itself. */
export interface EngineWorkerDeps {
  openTrainingData: TrainingDataOpener
  quantiseInt8: Int8Quantiser
}

/**
 * Every request type the engine worker understands. Add a domain by writing
 * handlers/<domain>.ts (an object of defineHandler(...) entries, names "domain:action")
 * and spreading it here with one line; worker-host.ts's `call` picks up the types.
 */
export function createWorkerHandlers(deps: EngineWorkerDeps) {
  return {
    ...anomalyHandlers,
    ...classifyHandlers,
    ...diagnosticsHandlers,
    ...inspectHandlers,
    ...int8Handlers(deps.quantiseInt8),
    ...predictHandlers,
    ...trainHandlers(deps.openTrainingData)
  }
}

export type WorkerHandlers = ReturnType<typeof createWorkerHandlers>
export type WorkerRequestType = keyof WorkerHandlers
