import type { EmitEvent } from '../../../shared/contract/index'
import type { MisclassifiedItem } from '../../../shared/contract/images'
import type { ProjectService } from '../project-service'
import { UserFacingError } from '../errors'
import type { HandlerMap } from '../router'
import { ModelLoadError } from '../../engine/infer/sessions'
import { computePredictions, imageIdsOf, misclassified, SuggestionModelError, type ClassifierRunnerFactory } from '../suggestion-service'

export interface PredictionHandlerDeps {
  projects: ProjectService
  emit: EmitEvent
  /** onnxruntime threads for suggestion runs (default: its own choice). */
  threads?: number
  /** Where the model runs: the engine worker in the app (default: this thread). */
  runner?: ClassifierRunnerFactory
}

/** Handlers for model suggestions on the Label screen and the misclassified gallery. */
export function predictionsHandlers(deps: PredictionHandlerDeps): HandlerMap {
  const { projects, emit } = deps
  // One prediction run at a time (two would predict the same images twice): later calls
  // wait their turn and then find the first one's predictions already stored.
  let queue: Promise<unknown> = Promise.resolve()

  async function exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const turn = queue.then(fn, fn)
    queue = turn.catch(() => undefined)
    try {
      return await turn
    } catch (error) {
      if (error instanceof SuggestionModelError || error instanceof ModelLoadError) throw new UserFacingError('failed', error.message)
      throw error
    }
  }

  return {
    'images:suggest': ({ scope }) =>
      exclusive(async () => {
        const store = projects.current()
        const active = store.models.active('classifier')
        if (!active) throw new UserFacingError('failed', 'No classifier is active. Train one on the Train screen (or activate a version) to get suggestions.')
        const { predicted, failed } = await computePredictions(store, active.version, imageIdsOf(store, scope), { threads: deps.threads, runner: deps.runner })
        emit('images:changed', { reason: 'suggestions' })
        return { modelVersion: active.version, predicted, failed: failed.length }
      }),
    'models:misclassified': ({ version }): Promise<MisclassifiedItem[]> =>
      exclusive(async () => {
        const store = projects.current()
        const model = store.models.get(version)
        if (model.kind !== 'classifier') throw new UserFacingError('failed', `Model version ${version} is an anomaly model; the misclassified gallery is for classifier versions.`)
        return misclassified(store, version, { threads: deps.threads, runner: deps.runner })
      })
  }
}
