import type { TensorMap } from '../tensor'
import { readSafetensorsWithMetadata, writeSafetensors } from '../models/safetensors'
import type { EarlyStoppingState } from './early-stopping'

/**
 * A training checkpoint as one .safetensors blob: every tensor the step graph carries
 * (parameters, optimizer state, BatchNorm buffers) plus the loop state as JSON metadata.
 * With per-sample random streams seeded by (seed, epoch, index) and schedules that are pure
 * functions of (epoch, step), this is everything an exact resume needs (DECISIONS.md).
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

export interface EpochRecord {
  epoch: number
  trainLoss: number
  trainAccuracy: number
  valAccuracy: number
  valBalancedAccuracy: number
  valDefectRecall: number | null
  valLoss: number | null
  lr: number
  seconds: number
}

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

const PREFIX = { weights: 'w/', optimizer: 'o/', best: 'b/' } as const

export function serializeCheckpoint(cp: Checkpoint): Uint8Array {
  const all: TensorMap = new Map()
  for (const [k, v] of cp.weights) all.set(PREFIX.weights + k, v)
  for (const [k, v] of cp.optimizer) all.set(PREFIX.optimizer + k, v)
  if (cp.best) for (const [k, v] of cp.best) all.set(PREFIX.best + k, v)
  return writeSafetensors(all, { format: CHECKPOINT_FORMAT, loop: JSON.stringify(cp.loop) })
}

export function deserializeCheckpoint(bytes: Uint8Array): Checkpoint {
  let parsed: ReturnType<typeof readSafetensorsWithMetadata>
  try {
    parsed = readSafetensorsWithMetadata(bytes)
  } catch (error) {
    throw new CheckpointError((error as Error).message)
  }
  if (parsed.metadata.format !== CHECKPOINT_FORMAT) throw new CheckpointError(`format is "${parsed.metadata.format ?? 'missing'}", expected ${CHECKPOINT_FORMAT}`)
  const loop = JSON.parse(parsed.metadata.loop ?? 'null') as LoopState | null
  if (!loop || typeof loop.nextEpoch !== 'number') throw new CheckpointError('loop state missing')
  const weights: TensorMap = new Map()
  const optimizer: TensorMap = new Map()
  const best: TensorMap = new Map()
  for (const [k, v] of parsed.tensors) {
    if (k.startsWith(PREFIX.weights)) weights.set(k.slice(2), v)
    else if (k.startsWith(PREFIX.optimizer)) optimizer.set(k.slice(2), v)
    else if (k.startsWith(PREFIX.best)) best.set(k.slice(2), v)
  }
  return { loop, weights, optimizer, best: best.size ? best : null }
}
