import { runTrainingJob, type TrainJobOptions, type TrainOutcome } from '../../train/training-job'
import type { TrainingData } from '../../train/training-data'
import type { TrainProgress } from '../../train/trainer'
import type { EpochRecord } from '../../train/checkpoints'
import { defineHandler } from '../protocol'

/**
 * Training in the engine worker, so the main process (and the window) stay responsive
 * while onnxruntime's synchronous `run` occupies this thread for seconds per step. The
 * worker opens its own connection to the project file through `open` (given by the
 * thread's entry, electron/services/engine-worker.ts; SQLite WAL lets the main process
 * keep reading meanwhile); progress messages are `{ kind: 'start' | 'progress' | 'epoch', ... }`;
 * a host-side cancel aborts at the next step.
 */

export interface TrainPayload {
  projectFile: string
  /** Serialisable job options (no in-memory backbone across threads). */
  options: Omit<TrainJobOptions, 'backbone'>
}

export type TrainWorkerProgress =
  | { kind: 'start'; runId: number; resumedFromEpoch: number | null }
  | { kind: 'progress'; runId: number; progress: TrainProgress }
  | { kind: 'epoch'; runId: number; record: EpochRecord }

/** Opens a project file's training data for one job; `close` releases the connection. */
export type TrainingDataOpener = (projectFile: string) => { data: TrainingData; close(): void }

export function trainHandlers(open: TrainingDataOpener) {
  return {
    'training:run': defineHandler<TrainPayload, TrainOutcome, TrainWorkerProgress>(async (payload, ctx) => {
      const project = open(payload.projectFile)
      try {
        return await runTrainingJob(project.data, payload.options, {
          signal: ctx.signal,
          onStart: ({ runId, resumedFromEpoch }) => ctx.progress({ kind: 'start', runId, resumedFromEpoch }),
          onProgress: (runId, progress) => ctx.progress({ kind: 'progress', runId, progress }),
          onEpoch: (runId, record) => ctx.progress({ kind: 'epoch', runId, record })
        })
      } finally {
        project.close()
      }
    })
  }
}
