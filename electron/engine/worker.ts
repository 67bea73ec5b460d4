import { parentPort } from 'node:worker_threads'
import { isTransferring, type ErrorClassifier, type HandlerContext, type HandlerDef, type HostToWorker, type Transferable, type WorkerToHost } from './worker/protocol'
import { createWorkerHandlers, type EngineWorkerDeps, type WorkerHandlers, type WorkerRequestType } from './worker/handlers/index'

/**
 * The engine worker thread: receives requests from worker-host.ts, runs the handler
 * registered for the request's type (worker/handlers/index.ts) and answers. ONNX sessions
 * run here because session.run() blocks its thread while it computes. The thread's entry
 * file (electron/services/engine-worker.ts) calls serveEngineWorker with what the engine
 * must not import itself (the project store).
 */

export function serveEngineWorker(deps: EngineWorkerDeps & { classifyError?: ErrorClassifier }): void {
  if (!parentPort) throw new Error('serveEngineWorker must run in a worker thread (started by worker-host.ts).')
  const port = parentPort

  const controllers = new Map<number, AbortController>()
  const handlers: WorkerHandlers = createWorkerHandlers(deps)
  const isRequestType = (type: string): type is WorkerRequestType => Object.prototype.hasOwnProperty.call(handlers, type)
  // The payload crossed the thread boundary as a structured clone; the host's typed `call`
  // built it for this request type, so the handler takes it as its own payload type.
  const handlerFor = (type: string): HandlerDef<unknown, unknown, unknown> | undefined => (isRequestType(type) ? handlers[type] : undefined)

  function send(message: WorkerToHost, transfer?: Transferable[]): void {
    port.postMessage(message, transfer)
  }

  port.on('message', (message: HostToWorker) => {
    if (message.kind === 'cancel') {
      controllers.get(message.id)?.abort()
      return
    }
    void handle(message.id, message.type, message.payload)
  })

  async function handle(id: number, type: string, payload: unknown): Promise<void> {
    const handler = handlerFor(type)
    if (!handler) {
      send({ kind: 'response', id, ok: false, error: { name: 'UnknownRequestError', message: `The engine worker has no handler for "${type}".`, code: 'unknown-channel', userFacing: true } })
      return
    }
    const controller = new AbortController()
    controllers.set(id, controller)
    const ctx: HandlerContext<unknown> = {
      progress: (data, transfer) => send({ kind: 'progress', id, data }, transfer),
      signal: controller.signal
    }
    try {
      const value = await handler.run(payload, ctx)
      if (isTransferring(value)) send({ kind: 'response', id, ok: true, result: value.result }, value.transfer)
      else send({ kind: 'response', id, ok: true, result: value })
    } catch (error) {
      const e = error instanceof Error ? error : new Error(String(error))
      // The class does not survive postMessage; its contract code does (decided here, where the class is known).
      const { code, userFacing } = deps.classifyError?.(error) ?? { code: 'failed', userFacing: false }
      send({ kind: 'response', id, ok: false, error: { name: e.name, message: e.message, code, userFacing } })
    } finally {
      controllers.delete(id)
    }
  }

  send({ kind: 'ready' })
}
