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
