import type { z } from 'zod'

/**
 * One request channel: `domain:action`, a zod schema for the payload, and (as a phantom
 * type) the result. The schema is checked in the main process, never trusted from the
 * renderer; the result type is what the renderer's `api/` layer hands back.
 */
export interface RequestChannel<P extends z.ZodType, R> {
  readonly payload: P
  /** Phantom marker carrying the result type; never read at run time. */
  readonly result?: R
  /** One line for docs and error messages. */
  readonly doc: string
}

/** Declare a request channel. `result<T>()` names its result type. */
export function request<P extends z.ZodType, R>(payload: P, doc: string): RequestChannel<P, R> {
  return { payload, doc }
}

/** One event from main to renderer: its payload schema (checked before sending). */
export interface EventChannel<P extends z.ZodType> {
  readonly payload: P
  readonly doc: string
}

export function event<P extends z.ZodType>(payload: P, doc: string): EventChannel<P> {
  return { payload, doc }
}

/** What every call over IPC or WebSocket resolves to: never a thrown stack trace. */
export type CallResult<R> = { ok: true; value: R } | { ok: false; error: CallError }

/**
 * Why a call failed, the same over IPC, WebSocket, the engine worker and the CLI (`--json`
 * `code`, and the exit code, electron/cli/exit-codes.ts). Which error class gives which code
 * is decided in one place, electron/services/error-codes.ts.
 *   busy       another program holds the project's write lock past the busy timeout
 *   bad-image  an image could not be decoded or is refused (format, size, damage)
 *   engine-crashed      the engine thread died while it ran the request (it is restarted;
 *                       trying again may work)
 *   engine-unavailable  the engine thread is not running (it failed to start, gave up
 *                       restarting, or was shut down)
 */
export const CALL_ERROR_CODES = [
  'unknown-channel',
  'invalid-payload',
  'untrusted-sender',
  'not-found',
  'conflict',
  'failed',
  'cancelled',
  'no-project',
  'busy',
  'bad-image',
  'engine-crashed',
  'engine-unavailable'
] as const

export type CallErrorCode = (typeof CALL_ERROR_CODES)[number]

export interface CallError {
  code: CallErrorCode
  /** A sentence a person can act on: what was wrong and what to do next. */
  message: string
  /** For invalid payloads: the offending fields, as "path: problem". */
  issues?: string[]
}
