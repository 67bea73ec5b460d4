import type { Int8Outcome } from '../../infer/int8'
import { defineHandler } from '../protocol'

/**
 * INT8 calibration and its accuracy check in the worker: both run onnxruntime sessions
 * (calibration graph, fp32 and INT8 predictors over the validation images) that block their
 * thread for seconds. The project's images are read through `quantise` (given by the thread's
 * entry, electron/services/engine-worker.ts, with its own connection to the project file);
 * nothing is written here: the main process stores the outcome.
 */
export type Int8Quantiser = (projectFile: string, version: number) => Promise<Int8Outcome>

export function int8Handlers(quantise: Int8Quantiser) {
  return {
    'int8:quantise': defineHandler<{ projectFile: string; version: number }, Int8Outcome>((p) => quantise(p.projectFile, p.version))
  }
}
