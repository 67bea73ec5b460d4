import type { TransferListItem } from 'node:worker_threads'
import type { CallErrorCode } from '../../../shared/contract/define'

/**
 * The message protocol between the main process (worker-host.ts) and the engine worker
 * thread (worker.ts). Every request carries an id; the worker answers with exactly one
 * response for it, and may send progress messages for it before that. Large tensors
 * travel as transferables (their ArrayBuffers move, no copy).
 *
 *   host -> worker   { kind: 'request', id, type, payload }     run handler `type`
 *                    { kind: 'cancel', id }                      abort that request's signal
 *   worker -> host   { kind: 'ready' }                           handlers loaded
 *                    { kind: 'progress', id, data }              zero or more per request
 *                    { kind: 'response', id, ok: true, result }
 *                    { kind: 'response', id, ok: false, error: { name, message, code, userFacing } }
 *
 * Each handler declares its payload, result and progress types (defineHandler<P, R, G>);
 * the host's `call` takes them from the handler by request type, so neither side casts.
 */

/** What may be moved instead of copied (ArrayBuffers, MessagePorts). */
export type Transferable = TransferListItem

export interface RequestMessage {
  kind: 'request'
  id: number
  type: string
  payload: unknown
}
export interface CancelMessage {
  kind: 'cancel'
  id: number
}
export type HostToWorker = RequestMessage | CancelMessage

export interface WorkerErrorInfo {
  /** The error's class name: for logs only, never matched on (the code says what it was). */
  name: string
  message: string
  /** The contract code of the error (electron/services/error-codes.ts decides it in the worker). */
  code: CallErrorCode
  /** The message is written for a person (shown as is) rather than an unexpected failure. */
  userFacing: boolean
}

/** How the worker tells what an error was; the thread's entry file passes the app's one mapping. */
export type ErrorClassifier = (error: unknown) => { code: CallErrorCode; userFacing: boolean }

export type WorkerToHost =
  | { kind: 'ready' }
  | { kind: 'progress'; id: number; data: unknown }
  | { kind: 'response'; id: number; ok: true; result: unknown }
  | { kind: 'response'; id: number; ok: false; error: WorkerErrorInfo }

/** What a handler gets besides its payload. `G` is the type of its progress messages. */
export interface HandlerContext<G = never> {
  /** Send a progress message for this request (e.g. per training step). */
  progress(data: G, transfer?: Transferable[]): void
  /** Aborted when the host cancels the request. */
  signal: AbortSignal
}

/**
 * A handler: `run` gets the payload and a context. To move ArrayBuffers instead of
 * copying them, return `withTransfer(result, [buffers])`. `types` is a phantom carrying
 * the payload, result and progress types to the host's typed `call`.
 */
export interface HandlerDef<P, R, G = never> {
  run(payload: P, ctx: HandlerContext<G>): Promise<R | Transferring<R>> | R | Transferring<R>
  readonly types?: { payload: P; result: R; progress: G }
}

export interface Transferring<R> {
  readonly __transfer: true
  result: R
  transfer: Transferable[]
}

export function withTransfer<R>(result: R, transfer: Transferable[]): Transferring<R> {
  return { __transfer: true, result, transfer }
}

export function isTransferring(v: unknown): v is Transferring<unknown> {
  return typeof v === 'object' && v !== null && (v as { __transfer?: unknown }).__transfer === true
}

/** Declare a handler with its payload, result and (when it reports any) progress types. */
export function defineHandler<P, R, G = never>(run: HandlerDef<P, R, G>['run']): HandlerDef<P, R, G> {
  return { run }
}

export type PayloadOfHandler<H> = H extends { types?: { payload: infer P } } ? P : never
export type ResultOfHandler<H> = H extends { types?: { result: infer R } } ? R : never
export type ProgressOfHandler<H> = H extends { types?: { progress: infer G } } ? G : never
