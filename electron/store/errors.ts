/** The project file could not be opened or created; the message says why and what to do. */
export class ProjectFileError extends Error {
  constructor(
    readonly file: string,
    reason: string
  ) {
    super(`Project "${file}": ${reason}`)
    this.name = 'ProjectFileError'
  }
}

/** A store call broke a rule of the data (unknown class, duplicate name, ...). */
export class StoreConflictError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'StoreConflictError'
  }
}

/** A row the caller named does not exist. */
export class StoreNotFoundError extends Error {
  constructor(what: string) {
    super(`${what} was not found.`)
    this.name = 'StoreNotFoundError'
  }
}

/** How long a writer waits for another connection's write lock (PRAGMA busy_timeout). */
export const BUSY_TIMEOUT_MS = 10_000

/**
 * SQLite gave up waiting for the write lock: another program (the CLI, a second app
 * window, browser mode) kept the project busy for longer than the busy timeout.
 */
export function isBusyError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' && (code === 'SQLITE_BUSY' || code.startsWith('SQLITE_BUSY_') || code === 'SQLITE_LOCKED' || code.startsWith('SQLITE_LOCKED_'))
}

/** What a busy project means and what to do about it (the message the user sees). */
export function busyMessage(file?: string): string {
  return `The project${file ? ` "${file}"` : ''} is busy: another program (a CLI import or training, another Defect Studio window, browser mode) is writing to it and did not finish within ${BUSY_TIMEOUT_MS / 1000} s. Nothing was lost; try again when it has finished.`
}

/** The inspection history file beside a project could not be opened or created. */
export class HistoryOpenError extends Error {
  constructor(
    readonly file: string,
    reason: string
  ) {
    super(`Could not open the inspection history "${file}": ${reason}. Check that the folder is writable, or move the damaged file away (a new history starts).`)
    this.name = 'HistoryOpenError'
  }
}
