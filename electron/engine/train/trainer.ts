import type { TensorMap } from '../tensor'
import { buildResnet18Inference } from '../models/resnet'
import { createSession, type ProviderRequest } from '../infer/sessions'
import type { ExecutionProviderName } from '../../../shared/contract/app'
import type { FreezePreset } from './train-step'
import { StepSession } from './step-session'
import { TrainingDataError } from './errors'

export type { FreezePreset }
import { BatchLoader, WORKER_MIN_BATCH_PIXELS, type TrainSample } from './batches'
import type { SamplingMode } from './sampling'
import { DEFAULT_AUGMENT, type AugmentConfig, type FitMode } from './augment'
import { classCounts, classWeights } from './class-weights'
import { initialEarlyStopping, updateEarlyStopping, type EarlyStoppingConfig } from './early-stopping'
import { DEFAULT_SCHEDULE, learningRateAt, type ScheduleConfig } from './schedules'
import { evaluateLogits, PreprocessedSet, runLogits, type EvalResult, type EvalSample } from './evaluate'
import type { Checkpoint, EpochRecord, LoopState } from './checkpoints'
import { argmaxRows, type ClassificationMetrics } from './metrics'

/**
 * The fine-tuning loop: one ONNX training-step session (forward, backward and optimizer
 * update in one graph, train-step.ts) fed batch after batch, the parameters, optimizer
 * state and BatchNorm buffers passed in and read back every step; validation after every
 * epoch on an inference model with the current weights baked in; early stopping and the
 * best epoch's weights kept; a checkpoint handed to the caller after every epoch.
 *
 * Repeatability: batch order comes from (seed, epoch) and each sample's augmentation from
 * (seed, epoch, index) (rng.ts), the learning rate is a pure function of (epoch, step), so
 * resuming from an epoch checkpoint gives the same tensors as an uninterrupted run on CPU.
 */

/**
 * What picks the best epoch (and drives early stopping). 'gate' (default) = accuracy +
 * defect recall, the two numbers the never-worse gate compares (balanced accuracy stands in
 * for defect recall when the project has no good class).
 */
export type MonitorMetric = 'gate' | 'accuracy' | 'balancedAccuracy' | 'defectRecall'

export interface TrainerConfig {
  classes: string[]
  /** Index of the good class in `classes` (for defect recall), or null. */
  goodClass: number | null
  /** ResNet18 width multiplier (1 = torchvision). */
  width: number
  /**
   * Image channels the model reads: 3 (RGB, the default when absent) or 1 (a one-channel
   * stem for all-grey projects: the auto recipe's choice, recipe.ts). The starting weights'
   * conv1 must match (training-job.ts builds them so).
   */
  inputChannels?: 1 | 3
  /**
   * Inspection averages the image and its three mirror images (engine/onnx/flip-average.ts);
   * the saved model carries it. Validation between epochs reads one view (it only ranks epochs).
   */
  testTimeFlips?: boolean
  size: number
  batch: number
  epochs: number
  freeze: FreezePreset
  optimizer: 'sgd' | 'adamw'
  lr: number
  momentum: number
  weightDecay: number
  labelSmoothing: number
  schedule: ScheduleConfig
  augment: AugmentConfig
  fit: FitMode
  seed: number
  classWeighting: 'auto' | 'on' | 'off'
  /** Batch sampling (sampling.ts); default 'shuffle'. */
  sampling?: SamplingMode
  /** With 'balanced' sampling: draws per epoch (default: the number of training images). */
  drawsPerEpoch?: number
  earlyStopping: EarlyStoppingConfig
  monitor: MonitorMetric
  provider?: ProviderRequest
  threads?: number
  /** Render batches in a worker thread while the step runs (batches.ts); default: usesBatchWorker. */
  batchWorker?: boolean
}

/** Defaults: torchvision's fine-tuning recipe (SGD lr 0.001 momentum 0.9, StepLR 7/0.1). */
export function defaultTrainerConfig(classes: string[], goodClass: number | null): TrainerConfig {
  return {
    classes,
    goodClass,
    width: 1,
    size: 224,
    batch: 32,
    epochs: 15,
    freeze: 'all-but-stem',
    optimizer: 'sgd',
    lr: 0.001,
    momentum: 0.9,
    weightDecay: 0,
    labelSmoothing: 0,
    schedule: DEFAULT_SCHEDULE,
    augment: DEFAULT_AUGMENT,
    fit: 'whole',
    seed: 0,
    classWeighting: 'auto',
    earlyStopping: { patience: 5, minDelta: 0 },
    monitor: 'gate'
  }
}

export interface TrainProgress {
  epoch: number // 1-based for display
  epochs: number
  step: number // 1-based within the epoch
  stepsPerEpoch: number
  loss: number
  /** Training accuracy of the epoch so far (on augmented images). */
  accuracy: number
  imagesPerSecond: number
  etaSeconds: number
  provider: ExecutionProviderName
  lr: number
}

export interface TrainerHooks {
  onProgress?: (p: TrainProgress) => void
  /** After each epoch: its record and a full checkpoint to persist (awaited). */
  onEpoch?: (record: EpochRecord, checkpoint: Checkpoint, val: EvalResult) => Promise<void> | void
  /** Polled between steps; true stops the run (the last epoch checkpoint stays valid). */
  isCancelled?: () => boolean
}

export interface TrainerResult {
  status: 'done' | 'cancelled'
  /** Weights (params + BN buffers) of the best validation epoch. */
  bestWeights: TensorMap
  bestEpoch: number
  history: EpochRecord[]
  imagesPerSecond: number
  provider: ExecutionProviderName
  classWeights: number[]
  classWeightsApplied: boolean
  /** Final loop state (what a checkpoint at the end would hold). */
  loop: LoopState
}

export { TrainingDataError }

/** The start of a run: fresh weights, or a checkpoint to continue from. */
export type TrainerStart = { weights: TensorMap } | { checkpoint: Checkpoint }

function copyMap(m: TensorMap): TensorMap {
  const out: TensorMap = new Map()
  for (const [k, v] of m) out.set(k, { shape: [...v.shape], data: new Float32Array(v.data) })
  return out
}

export async function runTrainer(config: TrainerConfig, data: { train: TrainSample[]; val: EvalSample[] }, start: TrainerStart, hooks: TrainerHooks = {}): Promise<TrainerResult> {
  const c = config.classes.length
  if (c < 2) throw new TrainingDataError(`Training needs at least two classes with labelled images; this project has ${c}. Label images of another class.`)
  if (data.train.length === 0) throw new TrainingDataError('There are no labelled training images. Label some images, then train again.')
  if (data.val.length === 0) throw new TrainingDataError('There are no validation images. Put some labelled images in the validation split, then train again.')
  // A batch larger than the set would give zero steps per epoch.
  const batch = Math.min(config.batch, data.train.length)
  const counts = classCounts(data.train.map((s) => s.label), c)
  const cw = classWeights(counts, config.classWeighting)

  // The state of the run: every tensor the step graph takes by name.
  let loop: LoopState
  let best: TensorMap | null
  let startWeights: TensorMap
  let startOptimizer: TensorMap | undefined
  if ('checkpoint' in start) {
    loop = structuredClone(start.checkpoint.loop)
    startWeights = start.checkpoint.weights
    startOptimizer = start.checkpoint.optimizer
    best = start.checkpoint.best ? copyMap(start.checkpoint.best) : null
  } else {
    loop = { nextEpoch: 0, globalStep: 0, seed: config.seed, earlyStopping: initialEarlyStopping(), history: [], stopped: false }
    startWeights = start.weights
    best = null
  }
  const session = await StepSession.open(
    { numClasses: c, width: config.width, size: config.size, inputChannels: config.inputChannels, batch, freeze: config.freeze, optimizer: config.optimizer, momentum: config.momentum, weightDecay: config.weightDecay, labelSmoothing: config.labelSmoothing, provider: config.provider, threads: config.threads },
    startWeights,
    startOptimizer
  )
  const provider = session.provider
  const snapshotWeights = (): TensorMap => session.weights()
  const snapshotOptimizer = (): TensorMap => session.optimizerState()

  const loader = new BatchLoader(data.train, { size: config.size, batch, fit: config.fit, augment: config.augment, seed: loop.seed, sampling: config.sampling ?? 'shuffle', drawsPerEpoch: config.drawsPerEpoch, channels: config.inputChannels, worker: config.batchWorker ?? usesBatchWorker(batch * config.size * config.size) })
  const valSet = new PreprocessedSet(data.val, config.size, config.fit, config.inputChannels ?? 3)
  const stepsPerEpoch = loader.batchesPerEpoch()
  let imagesSeen = 0
  let trainSeconds = 0
  let cancelled = false
  let lastVal: EvalResult | null = null

  try {
    while (loop.nextEpoch < config.epochs && !loop.stopped) {
      const epoch = loop.nextEpoch
      const epochStart = performance.now()
      let lossSum = 0
      let correct = 0
      let seen = 0
      let lr = config.lr
      for await (const { step: s, batch: b } of loader.epoch(epoch)) {
        if (hooks.isCancelled?.()) {
          cancelled = true
          break
        }
        lr = learningRateAt(config.lr, config.schedule, { epoch, stepInEpoch: s, stepsPerEpoch, totalEpochs: config.epochs })
        const t0 = performance.now()
        const out = await session.run(b, lr, loop.globalStep, cw.weights)
        const loss = out.loss
        if (!Number.isFinite(loss)) {
          throw new TrainingDataError(`The training loss became ${loss} at epoch ${epoch + 1}, step ${s + 1}. Lower the learning rate (--lr) and train again.`)
        }
        const pred = argmaxRows(out.logits, c)
        // Padded rows (past indices.length) have meaningless logits: skip them.
        for (let i = 0; i < b.indices.length; i++) if (BigInt(pred[i]!) === b.labels[i]) correct++
        lossSum += loss * b.indices.length
        seen += b.indices.length
        loop.globalStep++
        const dt = (performance.now() - t0) / 1000
        trainSeconds += dt
        imagesSeen += b.indices.length
        const ips = imagesSeen / Math.max(1e-9, trainSeconds)
        const stepsLeft = (config.epochs - epoch - 1) * stepsPerEpoch + (stepsPerEpoch - s - 1)
        hooks.onProgress?.({
          epoch: epoch + 1,
          epochs: config.epochs,
          step: s + 1,
          stepsPerEpoch,
          loss,
          accuracy: correct / seen,
          imagesPerSecond: ips,
          etaSeconds: (stepsLeft * batch) / ips,
          provider,
          lr
        })
      }
      if (cancelled) break
      // A large step arena goes before validation and the checkpoint allocate theirs; the next
      // epoch's first step opens the session again (electron/engine/train/README.md, "Memory").
      // A small one stays: reopening would cost more than its memory is worth.
      if (session.holdsLargeArena) await session.suspend()

      // Validation with the epoch's weights (BN in eval mode: running statistics).
      const current = snapshotWeights()
      lastVal = await validate(current, config, valSet)
      const score = monitorScore(lastVal.metrics, config.monitor)
      const es = updateEarlyStopping(loop.earlyStopping, config.earlyStopping, epoch, score)
      loop.earlyStopping = es.state
      if (es.improved || !best) best = current
      const record: EpochRecord = {
        epoch: epoch + 1,
        trainLoss: seen ? lossSum / seen : 0,
        trainAccuracy: seen ? correct / seen : 0,
        valAccuracy: lastVal.metrics.accuracy,
        valBalancedAccuracy: lastVal.metrics.balancedAccuracy,
        valDefectRecall: lastVal.metrics.defectRecall,
        valLoss: lastVal.loss,
        lr,
        seconds: (performance.now() - epochStart) / 1000
      }
      loop.history.push(record)
      loop.nextEpoch = epoch + 1
      loop.stopped = es.stop
      await hooks.onEpoch?.(record, { loop: structuredClone(loop), weights: current, optimizer: snapshotOptimizer(), best }, lastVal)
    }
  } finally {
    await loader.close()
    await session.release()
  }

  const bestWeights = best ?? snapshotWeights()
  const bestEpoch = (loop.earlyStopping.bestEpoch ?? loop.nextEpoch - 1) + 1
  return {
    status: cancelled ? 'cancelled' : 'done',
    bestWeights,
    bestEpoch,
    history: loop.history,
    imagesPerSecond: trainSeconds > 0 ? imagesSeen / trainSeconds : 0,
    provider,
    classWeights: Array.from(cw.weights),
    classWeightsApplied: cw.applied,
    loop
  }
}

/**
 * Whether the trainer renders batches in the batch worker: from WORKER_MIN_BATCH_PIXELS up,
 * on every provider. On a GPU the CPU would otherwise idle while the next batch waits for
 * the step; on the CPU the step leaves part of the two cores idle (onnxruntime's threads
 * wait on each other), which the worker's decode and augmentation fill: all-but-stem at
 * 224 px, the trainer ran at 1.03× its step-alone rate with it and 0.945× without, 1.13×
 * faster end to end for ~50 MB more peak RSS (electron/engine/train/README.md, "Session 9").
 */
export function usesBatchWorker(batchPixels: number): boolean {
  return batchPixels >= WORKER_MIN_BATCH_PIXELS
}

function monitorScore(m: ClassificationMetrics, monitor: MonitorMetric): number {
  if (monitor === 'gate') return m.accuracy + (m.defectRecall ?? m.balancedAccuracy)
  if (monitor === 'defectRecall') return m.defectRecall ?? m.accuracy
  return m[monitor]
}

/** Evaluate weights on the validation set through an inference model (weights baked in). */
export async function validate(weights: TensorMap, config: Pick<TrainerConfig, 'classes' | 'goodClass' | 'width' | 'size' | 'fit' | 'provider' | 'threads'>, set: PreprocessedSet): Promise<EvalResult> {
  const model = buildResnet18Inference({ numClasses: config.classes.length, width: config.width, height: config.size, batch: 'dynamic', weights })
  const { session } = await createSession(model, { provider: config.provider ?? 'auto', threads: config.threads })
  try {
    // Small chunks: validation runs while the step session still holds its arena (the step's
    // peak), so its own activations stack on top of it; 8 images keep that small
    // (electron/engine/train/README.md, "Memory").
    const logits = await runLogits(session, set, config.classes.length, 8)
    return evaluateLogits(logits, set.samples, config.classes, config.goodClass)
  } finally {
    await session.release()
  }
}
