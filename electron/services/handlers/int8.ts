import type { HandlerMap } from '../router'
import type { EngineCaller } from '../../engine/worker-host'
import type { Int8Outcome } from '../../engine/infer/int8'
import type { ProjectStore } from '../../store/project-store'
import { UserFacingError } from '../errors'
import { applyInt8Outcome, disableInt8, int8State, quantiseOutcome } from '../int8-model'
import { classifierVersion } from '../model-evaluation'
import { openProject } from '../../store/project-store'

/**
 * `models:int8-status` / `models:int8-set`: the Models screen's INT8 control, what
 * `defect-studio models int8` does. Turning it on calibrates and checks the version
 * (services/int8-model.ts) in the engine worker; the outcome is stored here, in the main
 * process, in the project that asked (not one opened meanwhile). One check at a time.
 */
export interface Int8Runner {
  quantise(projectFile: string, version: number): Promise<Int8Outcome>
}

/** The app's runner: the engine worker opens the project file itself. */
export function workerInt8Runner(host: EngineCaller): Int8Runner {
  return { quantise: (projectFile, version) => host.call('int8:quantise', { projectFile, version }) }
}

/** On this thread with its own connection (tests, tools). */
export const inProcessInt8Runner: Int8Runner = {
  async quantise(projectFile, version) {
    const store = openProject(projectFile)
    try {
      return await quantiseOutcome(store, { version })
    } finally {
      store.close()
    }
  }
}

export function int8Handlers(deps: { project: () => ProjectStore; runner: Int8Runner }): HandlerMap {
  let checking: number | null = null
  return {
    'models:int8-status': ({ version }) => {
      const store = deps.project()
      classifierVersion(store, version)
      return int8State(store, version)
    },
    'models:int8-set': async ({ version, on }) => {
      const store = deps.project()
      classifierVersion(store, version)
      if (!on) {
        disableInt8(store, version)
        return int8State(store, version)
      }
      if (checking !== null) throw new UserFacingError('conflict', `INT8 is being checked for model version ${checking}; wait for it to finish.`)
      checking = version
      try {
        const outcome = await deps.runner.quantise(store.file, version)
        if (deps.project() !== store) throw new UserFacingError('conflict', 'Another project was opened while INT8 was being checked; nothing was stored. Open the project again and retry.')
        applyInt8Outcome(store, outcome)
        return int8State(store, version)
      } finally {
        checking = null
      }
    }
  }
}
