/** A request named a model key the worker has not loaded (contract code `not-found`). */
export class ModelNotLoadedError extends Error {
  constructor(what: string, key: string, loadWith: string) {
    super(`No ${what} is loaded under "${key}"; load it first (${loadWith}).`)
    this.name = 'ModelNotLoadedError'
  }
}

/** The host cancelled the request (contract code `cancelled`). */
export class CancelledError extends Error {
  constructor() {
    super('Cancelled.')
    this.name = 'CancelledError'
  }
}
