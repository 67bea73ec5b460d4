import { classifyHandlers } from './classify'
import { diagnosticsHandlers } from './diagnostics'
import { predictHandlers } from './predict'
import { anomalyHandlers } from './anomaly'
import { trainHandlers } from './train'

/**
 * Every request type the engine worker understands. Add a domain by writing
 * handlers/<domain>.ts (an object of defineHandler(...) entries, names "domain:action")
 * and spreading it here with one line; worker-host.ts's `call` picks up the types.
 */
export const workerHandlers = {
  ...anomalyHandlers,
  ...classifyHandlers,
  ...diagnosticsHandlers,
  ...predictHandlers,
  ...trainHandlers
}

export type WorkerHandlers = typeof workerHandlers
export type WorkerRequestType = keyof WorkerHandlers
