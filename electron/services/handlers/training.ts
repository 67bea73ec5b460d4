import type { HandlerMap } from '../router'
import type { TrainingService } from '../training-service'

/** IPC/WebSocket handlers of the training domain: validate (router) → service → result. */
export function trainingHandlers(deps: { training: TrainingService }): HandlerMap {
  const t = deps.training
  return {
    'training:start': (payload) => t.start(payload),
    'training:cancel': () => t.cancel(),
    'training:status': () => t.status(),
    'training:runs': () => t.runs(),
    'models:list': () => t.models(),
    'models:activate': ({ version }) => t.activate(version),
    'models:compare': ({ a, b }) => t.compare(a, b)
  }
}
