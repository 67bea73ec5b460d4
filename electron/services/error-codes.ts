import type { CallError, CallErrorCode } from '../../shared/contract/index'
import { BackboneDownloadError } from '../engine/models/backbones'
import { SafetensorsError } from '../engine/models/safetensors'
import { WeightsError } from '../engine/models/weights'
import { WorkerCrashedError, WorkerRequestError, WorkerUnavailableError } from '../engine/worker-host'
import { CancelledError, ModelNotLoadedError } from '../engine/worker/errors'
import { ImageRejectedError } from '../imaging/decode'
import { PreprocessError } from '../imaging/preprocess'
import { busyMessage, HistoryOpenError, isBusyError, ProjectFileError, StoreConflictError, StoreNotFoundError } from '../store/errors'
import { UserFacingError } from './errors'

/**
 * The one mapping from error class to contract error code (shared/contract/define.ts),
 * used by the router (IPC and browser mode), the engine worker (which sends the code with
 * the error, since classes do not cross postMessage) and the CLI (`--json` `code` and the
 * exit code). Matched by class, never by an error's name as a string.
 *
 * Errors in this table are written for a person: their message is shown as is. Anything
 * else is an unexpected failure: `failed`, one line of its message, never its stack.
 */
type ErrorClass = abstract new (...args: never[]) => Error

const CODE_BY_CLASS: ReadonlyArray<readonly [ErrorClass, CallErrorCode]> = [
  [StoreNotFoundError, 'not-found'],
  [ModelNotLoadedError, 'not-found'],
  [StoreConflictError, 'conflict'],
  [CancelledError, 'cancelled'],
  [ImageRejectedError, 'bad-image'],
  [PreprocessError, 'bad-image'],
  [WorkerCrashedError, 'engine-crashed'],
  [WorkerUnavailableError, 'engine-unavailable'],
  [ProjectFileError, 'failed'],
  [HistoryOpenError, 'failed'],
  [WeightsError, 'failed'],
  [SafetensorsError, 'failed'],
  [BackboneDownloadError, 'failed']
]

export interface ClassifiedError {
  code: CallErrorCode
  /** The message is meant for a person (shown as is), not an unexpected failure. */
  userFacing: boolean
}

/** What an error was, as a contract code. */
export function classifyError(error: unknown): ClassifiedError {
  if (error instanceof UserFacingError) return { code: error.code, userFacing: true }
  if (error instanceof WorkerRequestError) return { code: error.code, userFacing: error.userFacing }
  // SQLite's own error code (better-sqlite3 SqliteError.code), not a class name of ours.
  if (isBusyError(error)) return { code: 'busy', userFacing: true }
  for (const [cls, code] of CODE_BY_CLASS) if (error instanceof cls) return { code, userFacing: true }
  return { code: 'failed', userFacing: false }
}

/** The contract code of an error. */
export function errorCode(error: unknown): CallErrorCode {
  return classifyError(error).code
}

/** An error as a call result's error: code, a sentence a person can act on, and issues if any. */
export function toCallError(error: unknown, channel: string): CallError {
  // SQLite says only "database is locked": say what it means and what to do.
  if (isBusyError(error)) return { code: 'busy', message: busyMessage() }
  const { code, userFacing } = classifyError(error)
  const raw = error instanceof Error ? error.message : String(error)
  if (userFacing) {
    const issues = error instanceof UserFacingError ? error.issues : undefined
    return { code, message: raw, ...(issues ? { issues } : {}) }
  }
  const firstLine = raw.split('\n')[0]!.slice(0, 500)
  return { code, message: `"${channel}" failed: ${firstLine}` }
}
