import type { CallErrorCode } from '../../shared/contract/index'

/**
 * Errors that services throw on purpose carry a code and a message a person can act on.
 * Which code other error classes get is decided in error-codes.ts (the one mapping).
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
