import type { CallError, CallErrorCode } from '../../shared/contract/index'
import { busyMessage, isBusyError } from '../store/errors'

/**
 * Errors that services throw on purpose carry a code and a message a person can act on.
 * Anything else is an unexpected failure: its message is kept (one line) but never its stack.
 */
export class UserFacingError extends Error {
  constructor(
    readonly code: CallErrorCode,
    message: string,
    /** For invalid values: the offending fields, as "path: problem". */
    readonly issues?: string[]
  ) {
    super(message)
    this.name = 'UserFacingError'
  }
}

export class NotFoundError extends UserFacingError {
  constructor(what: string) {
    super('not-found', `${what} was not found.`)
    this.name = 'NotFoundError'
  }
}

export class NoProjectError extends UserFacingError {
  constructor() {
    super('no-project', 'No project is open. Create or open a project first.')
    this.name = 'NoProjectError'
  }
}

export function toCallError(error: unknown, channel: string): CallError {
  if (error instanceof UserFacingError) return { code: error.code, message: error.message, ...(error.issues ? { issues: error.issues } : {}) }
  if (isBusyError(error)) return { code: 'failed', message: busyMessage() }
  const raw = error instanceof Error ? error.message : String(error)
  const firstLine = raw.split('\n')[0]!.slice(0, 500)
  return { code: 'failed', message: `"${channel}" failed: ${firstLine}` }
}
