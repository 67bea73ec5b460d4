import type { OnnxGraph } from '../onnx/graph'

/**
 * An optimizer written into the training graph: for each trained parameter it names its
 * state tensors (graph inputs, fed back from the previous step's outputs) and emits the
 * update. `lr` and `step` are graph inputs ([1] float32) so schedules never rebuild the session.
 */
export interface GraphOptimizer {
  /** State tensor names for a parameter, e.g. 'momentum.fc.weight'. */
  stateNames(param: string): string[]
  /** Emit the update; returns name → new value for the parameter and each of its state tensors. */
  emitUpdate(g: OnnxGraph, u: { param: string; grad: string; lr: string; step: string }): Map<string, string>
}
