import type { TensorMap } from '../tensor'
import { readSafetensorsWithMetadata, writeSafetensors } from '../models/safetensors'
import type { EarlyStoppingState } from './early-stopping'
import type { TrainingEpochDto } from '../../../shared/contract/training'

/**
 * A training checkpoint as one .safetensors blob: every tensor the step graph carries
 * (parameters, optimizer state, BatchNorm buffers) plus the loop state as JSON metadata.
 * With per-sample random streams seeded by (seed, epoch, index) and schedules that are pure
 * functions of (epoch, step), this is everything an exact resume needs (docs/decisions.md, Training runs are reproducible).
 */

export const CHECKPOINT_FORMAT = 'defect-studio.checkpoint.v1'

/** Loop state saved alongside the tensors. */
export interface LoopState {
  /** The next epoch to run (0-based): a checkpoint is written after an epoch completes. */
  nextEpoch: number
  /** Optimizer steps taken so far (AdamW's bias correction counts them). */
  globalStep: number
  seed: number
  earlyStopping: EarlyStoppingState
  /** Per-epoch history so a resumed run reports the whole curve. */
  history: EpochRecord[]
  /** Set when early stopping fired: resuming then only finishes the run. */
  stopped: boolean
}

/** One epoch's training and validation numbers (the contract's shape, shown on the Train screen). */
export type EpochRecord = TrainingEpochDto

export interface Checkpoint {
  loop: LoopState
  /** Parameters and BatchNorm buffers by torchvision name. */
  weights: TensorMap
  /** Optimizer state by the step graph's state names (e.g. 'momentum.fc.weight'). */
  optimizer: TensorMap
  /** The weights of the best epoch so far (what the run's model version will hold). */
  best: TensorMap | null
}

export class CheckpointError extends Error {
  constructor(reason: string) {
    super(`The training checkpoint cannot be used (${reason}). Start the run again without resuming.`)
    this.name = 'CheckpointError'
  }
}

const BEST_PREFIX = 'best/'

/** A checkpoint as the store's checkpoints table holds it: loop state JSON + two safetensors blobs. */
export interface StoredCheckpointParts {
  state: LoopState & { format: string }
  /** Current weights, and the best epoch's under 'best/'. */
  weights: Uint8Array
  optimizer: Uint8Array
}

export function serializeCheckpoint(cp: Checkpoint): StoredCheckpointParts {
  const weights: TensorMap = new Map(cp.weights)
  if (cp.best) for (const [k, v] of cp.best) weights.set(BEST_PREFIX + k, v)
  return {
    state: { ...cp.loop, format: CHECKPOINT_FORMAT },
    weights: writeSafetensors(weights, { format: CHECKPOINT_FORMAT }),
    optimizer: writeSafetensors(cp.optimizer, { format: CHECKPOINT_FORMAT })
  }
}

export function deserializeCheckpoint(parts: { state: Record<string, unknown>; weights: Uint8Array; optimizer: Uint8Array | null }): Checkpoint {
  const { format, ...loop } = parts.state as Partial<StoredCheckpointParts['state']>
  if (format !== CHECKPOINT_FORMAT) throw new CheckpointError(`format is "${String(format ?? 'missing')}", expected ${CHECKPOINT_FORMAT}`)
  if (typeof loop.nextEpoch !== 'number' || typeof loop.globalStep !== 'number' || !loop.earlyStopping) throw new CheckpointError('its loop state is incomplete')
  let all: TensorMap
  let optimizer: TensorMap
  try {
    all = readSafetensorsWithMetadata(parts.weights).tensors
    optimizer = parts.optimizer ? readSafetensorsWithMetadata(parts.optimizer).tensors : new Map()
  } catch (error) {
    throw new CheckpointError((error as Error).message)
  }
  const weights: TensorMap = new Map()
  const best: TensorMap = new Map()
  for (const [k, v] of all) {
    if (k.startsWith(BEST_PREFIX)) best.set(k.slice(BEST_PREFIX.length), v)
    else weights.set(k, v)
  }
  return { loop: loop as LoopState, weights, optimizer, best: best.size ? best : null }
}
