import { EventEmitter } from 'node:events'
import { join } from 'node:path'
import type { ResourceLimits, Worker } from 'node:worker_threads'
import type { CallErrorCode } from '../../shared/contract/define'
import { decodeSlotsForWorker } from '../imaging/decode-slots'
import { resolveWorkerEntry, startWorker, type WorkerEntry } from './worker-entry'
import type { HostToWorker, PayloadOfHandler, ProgressOfHandler, ResultOfHandler, Transferable, WorkerErrorInfo, WorkerToHost } from './worker/protocol'
import type { WorkerHandlers, WorkerRequestType } from './worker/handlers/index'

/**
 * Main-process side of the engine worker. Starts the worker thread (built bundle
 * out/main/engine-worker.js when present, else its entry electron/services/engine-worker.ts
 * through tsx),
 * sends typed requests, and restarts the worker when it dies: in-flight requests fail
 * with WorkerCrashedError and a 'crashed' event reports it. Restarts back off and stop
 * after `maxRestarts` within a minute (state 'error').
 */

export class WorkerCrashedError extends Error {
  constructor(
    readonly requestType: string,
    readonly exitCode: number | null,
    reason: string
  ) {
    super(`The engine stopped unexpectedly while running "${requestType}" (${reason}). It has been restarted; try again. If it keeps happening, run "defect-studio doctor".`)
    this.name = 'WorkerCrashedError'
  }
}

/** A handler in the worker threw; its message, contract code and class name come from the worker. */
export class WorkerRequestError extends Error {
  readonly code: CallErrorCode
  readonly userFacing: boolean
  constructor(info: WorkerErrorInfo) {
    super(info.message)
    this.name = info.name || 'WorkerRequestError'
    this.code = info.code ?? 'failed'
    this.userFacing = info.userFacing ?? false
  }
}

export class WorkerUnavailableError extends Error {
  constructor(reason: string) {
    super(`The engine worker is not running (${reason}). Restart Defect Studio; if this persists run "defect-studio doctor".`)
    this.name = 'WorkerUnavailableError'
  }
}

export type WorkerState = 'starting' | 'ready' | 'restarting' | 'error' | 'stopped'

export interface CrashReport {
  exitCode: number | null
  reason: string
  /** Request types that were running and failed. */
  inFlight: string[]
  restarts: number
  at: string
}

export interface WorkerHostOptions {
  /** Worker entry override (tests). Default: built bundle, else sources via tsx. */
  entry?: string
  /** Enables test-only handlers such as 'crash'. */
  testHooks?: boolean
  maxRestarts?: number
  /** Resource limits for the worker thread. */
  resourceLimits?: ResourceLimits
}

/** What `call` sends, gets back and reports along the way for one request type, from its handler. */
export type WorkerPayload<T extends WorkerRequestType> = PayloadOfHandler<WorkerHandlers[T]>
export type WorkerResult<T extends WorkerRequestType> = ResultOfHandler<WorkerHandlers[T]>
export type WorkerProgress<T extends WorkerRequestType> = ProgressOfHandler<WorkerHandlers[T]>
export interface WorkerCallOptions<T extends WorkerRequestType> {
  onProgress?: (data: WorkerProgress<T>) => void
  transfer?: Transferable[]
  signal?: AbortSignal
}

/** The typed side of the host that services use (tests may pass their own). */
export interface EngineCaller {
  call<T extends WorkerRequestType>(type: T, payload: WorkerPayload<T>, opts?: WorkerCallOptions<T>): Promise<WorkerResult<T>>
}

interface Pending {
  type: string
  resolve: (value: unknown) => void
  reject: (error: Error) => void
  onProgress?: (data: unknown) => void
}

/** Where the worker's code is: the built bundle next to us, or the TypeScript source. */
export function workerEntry(): WorkerEntry {
  // Sources: the thread's entry is a composition root above the engine (it opens the
  // project store), so it sits in services/; referenced by path, not imported.
  return resolveWorkerEntry('engine-worker', join('..', 'services', 'engine-worker.ts'))
}

/** The host's own events: its state, and each crash. */
export interface WorkerHostEvents {
  state: [{ state: WorkerState; detail?: string }]
  crashed: [CrashReport]
}

export class WorkerHost extends EventEmitter<WorkerHostEvents> implements EngineCaller {
  private worker: Worker | null = null
  private readonly pending = new Map<number, Pending>()
  private nextId = 1
  private readyPromise: Promise<void> | null = null
  private stateValue: WorkerState = 'stopped'
  private crashTimes: number[] = []
  private restartCount = 0
  private disposed = false

  constructor(private readonly opts: WorkerHostOptions = {}) {
    super()
  }

  get state(): WorkerState {
    return this.stateValue
  }

  /** How many times the worker has been restarted after a crash. */
  get restarts(): number {
    return this.restartCount
  }

  private setState(state: WorkerState, detail?: string): void {
    this.stateValue = state
    this.emit('state', { state, detail })
  }

  /** Start the worker (idempotent); resolves when its handlers are loaded. */
  start(): Promise<void> {
    if (this.disposed) return Promise.reject(new WorkerUnavailableError('it was shut down'))
    if (this.readyPromise) return this.readyPromise
    this.setState(this.restartCount > 0 ? 'restarting' : 'starting')
    const entry = this.opts.entry ? { file: this.opts.entry, viaTsx: this.opts.entry.endsWith('.ts') } : workerEntry()
    // The worker's sharp calls count against the process's one decode limit (imaging/decode-slots.ts).
    const decodeSlots = decodeSlotsForWorker()
    const workerData = { testHooks: this.opts.testHooks === true, decodeSlots: decodeSlots.share }
    const worker = startWorker(entry, { workerData, resourceLimits: this.opts.resourceLimits })
    this.worker = worker
    this.readyPromise = new Promise<void>((resolve, reject) => {
      let ready = false
      worker.on('message', (m: WorkerToHost) => {
        if (m.kind === 'ready') {
          ready = true
          this.setState('ready')
          resolve()
          return
        }
        this.onMessage(m)
      })
      let lastError: Error | undefined
      worker.on('error', (error) => {
        lastError = error
      })
      worker.on('exit', (code) => {
        decodeSlots.dispose()
        if (this.worker !== worker) return
        this.worker = null
        this.readyPromise = null
        const reason = lastError ? `error: ${lastError.message.split('\n')[0]}` : `exit code ${code}`
        if (!ready) reject(new WorkerUnavailableError(`it failed to start: ${reason}`))
        if (this.disposed) return
        this.onCrash(code, reason)
      })
    })
    // A failed start is reported through onCrash; avoid an unhandled rejection here.
    this.readyPromise.catch(() => {})
    return this.readyPromise
  }

  private onMessage(m: WorkerToHost): void {
    if (m.kind === 'ready') return
    const p = this.pending.get(m.id)
    if (!p) return
    if (m.kind === 'progress') {
      p.onProgress?.(m.data)
      return
    }
    this.pending.delete(m.id)
    if (m.ok) p.resolve(m.result)
    else p.reject(new WorkerRequestError(m.error))
  }

  private onCrash(exitCode: number | null, reason: string): void {
    const inFlight = [...this.pending.values()]
    this.pending.clear()
    for (const p of inFlight) p.reject(new WorkerCrashedError(p.type, exitCode, reason))
    const now = Date.now()
    this.crashTimes = this.crashTimes.filter((t) => now - t < 60_000)
    this.crashTimes.push(now)
    const report: CrashReport = { exitCode, reason, inFlight: inFlight.map((p) => p.type), restarts: this.restartCount, at: new Date(now).toISOString() }
    if (this.crashTimes.length > (this.opts.maxRestarts ?? 5)) {
      this.setState('error', `the engine crashed ${this.crashTimes.length} times within a minute (${reason}); not restarting`)
      this.emit('crashed', report)
      return
    }
    this.restartCount++
    report.restarts = this.restartCount
    this.setState('restarting', reason)
    this.emit('crashed', report)
    const delay = Math.min(2000, 100 * 2 ** (this.crashTimes.length - 1))
    setTimeout(() => {
      if (!this.disposed && !this.worker) void this.start().catch(() => {})
    }, delay).unref()
  }

  /** Send a request and wait for its result. Progress messages go to onProgress. */
  async call<T extends WorkerRequestType>(type: T, payload: WorkerPayload<T>, opts: WorkerCallOptions<T> = {}): Promise<WorkerResult<T>> {
    if (this.stateValue === 'error') throw new WorkerUnavailableError('it crashed repeatedly')
    await this.start()
    const worker = this.worker
    if (!worker) throw new WorkerUnavailableError('it stopped while starting')
    const id = this.nextId++
    return new Promise((resolve, reject) => {
      // The worker answers this id with the result and progress of handler `type`.
      this.pending.set(id, { type, resolve: resolve as (v: unknown) => void, reject, onProgress: opts.onProgress as ((data: unknown) => void) | undefined })
      if (opts.signal) {
        opts.signal.addEventListener('abort', () => this.worker?.postMessage({ kind: 'cancel', id } satisfies HostToWorker), { once: true })
      }
      worker.postMessage({ kind: 'request', id, type, payload } satisfies HostToWorker, opts.transfer)
    })
  }

  /** Stop the worker; pending requests fail. */
  async dispose(): Promise<void> {
    this.disposed = true
    const worker = this.worker
    this.worker = null
    this.readyPromise = null
    for (const p of this.pending.values()) p.reject(new WorkerUnavailableError('the engine was shut down'))
    this.pending.clear()
    this.setState('stopped')
    if (worker) await worker.terminate()
  }
}
