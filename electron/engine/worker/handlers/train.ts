import { openProject } from '../../../store/project-store'
import { runTrainingJob, type TrainJobOptions, type TrainOutcome } from '../../../services/training-job'
import { defineHandler } from '../protocol'

/**
 * Training in the engine worker, so the main process (and the window) stay responsive
 * while onnxruntime's synchronous `run` occupies this thread for seconds per step. The
 * worker opens its own connection to the project file (SQLite WAL; the main process keeps
 * reading meanwhile); progress messages are `{ kind: 'start' | 'progress' | 'epoch', ... }`;
 * a host-side cancel aborts at the next step.
 */

export interface TrainPayload {
  projectFile: string
  /** Serialisable job options (no in-memory backbone across threads). */
  options: Omit<TrainJobOptions, 'backbone'>
}

export type TrainWorkerProgress =
  | { kind: 'start'; runId: number; resumedFromEpoch: number | null }
  | { kind: 'progress'; runId: number; progress: import('../../train/trainer').TrainProgress }
  | { kind: 'epoch'; runId: number; record: import('../../train/checkpoints').EpochRecord }

export const trainHandlers = {
  'training:run': defineHandler<TrainPayload, TrainOutcome>(async (payload, ctx) => {
    const store = openProject(payload.projectFile)
    try {
      return await runTrainingJob(store, payload.options, {
        signal: ctx.signal,
        onStart: ({ runId, resumedFromEpoch }) => ctx.progress({ kind: 'start', runId, resumedFromEpoch } satisfies TrainWorkerProgress),
        onProgress: (runId, progress) => ctx.progress({ kind: 'progress', runId, progress } satisfies TrainWorkerProgress),
        onEpoch: (runId, record) => ctx.progress({ kind: 'epoch', runId, record } satisfies TrainWorkerProgress)
      })
    } finally {
      store.close()
    }
  })
}
