import { serveEngineWorker } from '../engine/worker'
import { openProject } from '../store/project-store'
import { classifyError } from './error-codes'
import { projectTrainingData } from './training-data'
import { quantiseOutcome } from './int8-model'

/**
 * Entry file of the engine worker thread (built as out/main/engine-worker.js; started by
 * engine/worker-host.ts). It lives here, not in engine/, because it gives the engine what
 * the engine must not import: a project's training data, filled from the store.
 */
serveEngineWorker({
  openTrainingData: (projectFile) => {
    const store = openProject(projectFile)
    return { data: projectTrainingData(store), close: () => store.close() }
  },
  quantiseInt8: async (projectFile, version) => {
    const store = openProject(projectFile)
    try {
      return await quantiseOutcome(store, { version })
    } finally {
      store.close()
    }
  },
  // Errors cross the thread boundary with their contract code (the app's one mapping).
  classifyError
})
