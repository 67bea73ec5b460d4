/** A problem with the training data or request, worded for the user (no stack needed). */
export class TrainingDataError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'TrainingDataError'
  }
}
