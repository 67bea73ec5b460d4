import { createHash } from 'node:crypto'
import type { TensorMap } from '../tensor'
import { buildResnet18Inference, initResnet18Weights, inputChannelsOf } from '../models/resnet'
import { TEST_TIME_FLIPS_METADATA } from '../models/weights'
import { withFlipAveraging } from '../onnx/flip-average'
import { resolveStartingBackbone, type StartingBackbone } from '../models/starting-backbone'
import { readSafetensors, writeSafetensors } from '../models/safetensors'
import type { ExecutionProviderName, ProviderRequest } from '../infer/sessions'
import type { Fit } from '../../imaging/preprocess'
import { defaultTrainerConfig, runTrainer, TrainingDataError, type TrainerConfig, type TrainProgress } from './trainer'
import { DEFAULT_AUGMENT, NO_AUGMENT, type AugmentConfig } from './augment'
import { deserializeCheckpoint, serializeCheckpoint, type Checkpoint, type EpochRecord } from './checkpoints'
import { evaluateLogits, evaluateModel, PreprocessedSet, type EvalResult, type EvalSample } from './evaluate'
import { gateDecision } from './gate'
import { classCounts, classWeights } from './class-weights'
import { computeEmbeddings, DEFAULT_HEAD_TRAINING, trainLinearHead, withHead } from './quick-head'
import type { ClassificationMetrics } from './metrics'
import { modelWarnings, passFailFromLogits } from './pass-fail'
import type { OperatingPointDto, PassFailMetricsDto } from '../../../shared/contract/training'
import { readProjectSetting, type TrainSettings } from '../../../shared/contract/settings'
import { chooseOperatingPoint, checkOperatingPointRequest, DEFAULT_OPERATING_POINT, goodProbabilities, type OperatingPointRequest } from './operating-point'
import type { ProjectDataset, StoredModel, TrainingData } from './training-data'
import { applyRecipe, dataProfile, runLrFinder, type ExplicitSettings, type RecipeRecord } from './auto-recipe'
import type { RecipePreset } from './recipe'

/**
 * One training job against a project's data (training-data.ts): read the labelled images,
 * train (full fine-tuning or quick head-only), checkpoint every epoch into the project, and
 * finish by saving the best weights as a new model version, activated only when the
 * never-worse gate says so. Runs on any thread: the engine worker (worker/handlers/train.ts)
 * or the CLI process; the caller fills the data from the store
 * (electron/services/training-data.ts).
 */

/** Project settings this job reads (JSON values in the settings table). */
export const SETTING_TRAIN_FIT = 'training.fit'
export const SETTING_TRAIN_SIZE = 'training.size'
export const SETTING_OPERATING_POINT = 'training.operatingPoint'

/**
 * The training settings a job takes are the contract's (`TrainSettings`, the
 * `training:start` request without mode and resume: shared/contract/training.ts): the same
 * names, types and limits the Training screen, the API and `defect-studio train` validate.
 * Augmentation arrives as trainer settings (the contract's switches are translated once, by
 * augmentFromSwitches in augment.ts); the rest is what only this process knows.
 */
export interface TrainJobOptions extends Omit<TrainSettings, 'augment'> {
  mode: 'full' | 'quick'
  /** Continue a matching interrupted or cancelled run from its last checkpoint (default true). */
  resume?: boolean
  /** Augmentation overrides, or 'none'. */
  augment?: Partial<AugmentConfig> | 'none'
  /** Start from these ResNet18 weights (.safetensors) instead of the project's backbone. */
  weightsFile?: string
  /** ResNet width multiplier (1 = torchvision). Reduced widths are for tests and benches. */
  width?: number
  provider?: ProviderRequest
  threads?: number
  /** Render batches in a worker thread (trainer.ts usesBatchWorker decides when absent). */
  batchWorker?: boolean
  /** Use this backbone instead of the app's resolved one (tests, benches). */
  backbone?: StartingBackbone
}

export interface TrainJobHooks {
  /** The recipe is settled (after the range test, before the first epoch). */
  onRecipe?: (recipe: RecipeRecord) => void
  onStart?: (info: { runId: number; resumedFromEpoch: number | null; config: Record<string, unknown> }) => void
  onProgress?: (runId: number, p: TrainProgress) => void
  onEpoch?: (runId: number, record: EpochRecord) => void
  signal?: AbortSignal
}

/** Metrics stored with a model version and printed by the CLI. */
export interface ModelMetrics extends ClassificationMetrics, PassFailMetricsDto {
  /** Why this version should not be trusted (pass-fail.ts); empty when fine. */
  warnings: string[]
  valLoss: number
  bestEpoch: number | null
  imagesPerSecond: number
}

export interface TrainOutcome {
  runId: number
  status: 'done' | 'cancelled'
  resumedFromEpoch: number | null
  modelVersion: number | null
  activated: boolean
  /** Why the gate did (not) activate the version, or why nothing was saved. */
  reason: string
  /** Why the new version should not be trusted (also in metrics.warnings). */
  warnings: string[]
  metrics: ModelMetrics | null
  /** The active model's metrics on the same validation images (null when there was none). */
  activeMetrics: ClassificationMetrics | null
  imagesPerSecond: number
  provider: ExecutionProviderName | null
  history: EpochRecord[]
  /** The recipe the run used and why (null for quick retrain). */
  recipe: RecipeRecord | null
  /** Wall-clock seconds: range test, epochs (training + validation), the whole job. */
  seconds: { lrFinder: number; training: number; total: number }
}

export type { ProjectDataset, TrainingData } from './training-data'

/** The trainer configuration a request resolves to (defaults from the project settings). */
export function resolveTrainerConfig(store: Pick<TrainingData, 'settings'>, data: ProjectDataset, opts: TrainJobOptions): TrainerConfig {
  const base = defaultTrainerConfig(data.classes, data.goodClass)
  const augment: AugmentConfig = opts.augment === 'none' ? NO_AUGMENT : { ...DEFAULT_AUGMENT, ...(opts.augment ?? {}) }
  return {
    ...base,
    width: opts.width ?? 1,
    size: opts.size ?? trainSizeSetting(store) ?? base.size,
    batch: opts.batch ?? base.batch,
    epochs: opts.epochs ?? base.epochs,
    freeze: opts.freeze ?? base.freeze,
    optimizer: opts.optimizer ?? base.optimizer,
    lr: opts.lr ?? (opts.optimizer === 'adamw' ? 0.0003 : base.lr),
    weightDecay: opts.optimizer === 'adamw' ? 0.01 : base.weightDecay,
    seed: opts.seed ?? base.seed,
    fit: opts.fit ?? trainFitSetting(store) ?? base.fit,
    augment,
    earlyStopping: { ...base.earlyStopping, patience: opts.patience ?? base.earlyStopping.patience },
    classWeighting: opts.classWeighting ?? base.classWeighting,
    schedule: opts.schedule === 'cosine' ? { kind: 'cosine', warmupEpochs: 1 } : base.schedule,
    provider: opts.provider,
    threads: opts.threads,
    batchWorker: opts.batchWorker
  }
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex')
}

/** Starting weights for a full run, with `fc` re-initialised when the class count differs. */
async function startingWeights(store: TrainingData, numClasses: number, opts: TrainJobOptions, config: TrainerConfig): Promise<{ weights: TensorMap; width: number; source: string }> {
  const start = await resolveStartingBackbone({ seed: config.seed, width: config.width, weightsFile: opts.weightsFile, backbone: opts.backbone, dirs: store.backboneDirs })
  let weights = start.weights
  const fc = weights.get('fc.weight')
  if (!fc || fc.shape[0] !== numClasses) {
    // torchvision's fine-tuning recipe: a new, randomly initialised fc for our classes.
    const fresh = initResnet18Weights({ numClasses, width: start.width, seed: config.seed })
    weights = new Map(weights)
    weights.set('fc.weight', fresh.get('fc.weight')!)
    weights.set('fc.bias', fresh.get('fc.bias')!)
  }
  return { weights, width: start.width, source: start.id }
}

/**
 * The starting weights for the input channels the recipe chose. A one-channel stem
 * (inputChannels 1; the auto recipe chooses it only from random initialisation) gets a
 * freshly initialised one-channel conv1, the rest of the random backbone as it is. Weights
 * whose conv1 already reads one channel (a grey project's own model as backbone) make the
 * run one-channel whatever the recipe said: they cannot read three. Anything else stays RGB.
 */
function stemFor(start: { weights: TensorMap; width: number }, config: TrainerConfig, numClasses: number): { weights: TensorMap; inputChannels: 1 | 3 } {
  if (inputChannelsOf(start.weights) === 1) return { weights: start.weights, inputChannels: 1 }
  if (config.inputChannels !== 1) return { weights: start.weights, inputChannels: 3 }
  const fresh = initResnet18Weights({ numClasses, width: start.width, seed: config.seed, inputChannels: 1 })
  const weights = new Map(start.weights)
  weights.set('conv1.weight', fresh.get('conv1.weight')!)
  return { weights, inputChannels: 1 }
}

/** What identifies a run for resuming: same data, same recipe, same start. */
function runIdentity(config: TrainerConfig, mode: string, start: string, fingerprint: string): Record<string, unknown> {
  const { provider: _p, threads: _t, batchWorker: _w, ...recipe } = config
  return { mode, ...recipe, start, dataFingerprint: fingerprint }
}

/** Evaluates heads on cached validation embeddings (quick retrain). */
interface EmbeddingEvaluator {
  evaluate(weight: Float32Array, bias: Float32Array): EvalResult
  headOf(model: StoredModel): { weight: Float32Array; bias: Float32Array } | null
}

/** logits [N, C] = features [N, F] · Wᵀ [F, C] + b, as the exported model's fc computes them. */
function linearLogits(features: Float32Array, dims: number, weight: Float32Array, bias: Float32Array): Float32Array {
  const n = features.length / dims
  const c = bias.length
  const out = new Float32Array(n * c)
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < c; k++) {
      let v = bias[k]!
      for (let j = 0; j < dims; j++) v += weight[k * dims + j]! * features[i * dims + j]!
      out[i * c + k] = v
    }
  }
  return out
}

/** Run a training job to the end (or to cancellation) and save the resulting model version. */
export async function runTrainingJob(store: TrainingData, opts: TrainJobOptions, hooks: TrainJobHooks = {}): Promise<TrainOutcome> {
  const data = store.dataset()
  if (data.classes.length < 2) {
    throw new TrainingDataError(`Training needs labelled images of at least two classes; this project has ${data.classes.length}. Label images of another class, then train again.`)
  }
  if (data.val.length === 0) {
    throw new TrainingDataError('No labelled image is in the validation split. Move some images to validation (or label more), then train again.')
  }
  const config = resolveTrainerConfig(store, data, opts)
  if (opts.operatingPoint) checkOperatingPointRequest(opts.operatingPoint)
  // Only one process trains a project at a time (a second one would take the first one's
  // run for an interrupted one and train it again). With the claim held, a run left
  // 'running' (quick or full) belongs to a process that died: it is interrupted, and full
  // runs may resume it from its checkpoint.
  store.trainer?.claim()
  try {
    store.runs.markRunningAsInterrupted()
    return await (opts.mode === 'quick' ? runQuick(store, data, config, opts, hooks) : runFull(store, data, config, opts, hooks))
  } finally {
    store.trainer?.release()
  }
}

/**
 * The project's `training.size` / `training.fit`, read through their schemas
 * (shared/contract/settings.ts) like every other setting: a stored value that no longer
 * fits (written by an older build or by hand) is ignored, so the default applies.
 */
function trainSizeSetting(store: Pick<TrainingData, 'settings'>): number | undefined {
  return readProjectSetting('training.size', store.settings.get<unknown>(SETTING_TRAIN_SIZE, null))
}
function trainFitSetting(store: Pick<TrainingData, 'settings'>): Fit | undefined {
  return readProjectSetting('training.fit', store.settings.get<unknown>(SETTING_TRAIN_FIT, null))
}

/** The operating-point target: the request's, else the project's setting, else the default. */
function operatingPointRequest(store: Pick<TrainingData, 'settings'>, opts: TrainJobOptions): OperatingPointRequest {
  return opts.operatingPoint ?? readProjectSetting('training.operatingPoint', store.settings.get<unknown>(SETTING_OPERATING_POINT, null)) ?? DEFAULT_OPERATING_POINT
}

/** What the request set itself: these override the auto recipe's choices. */
function explicitSettings(store: Pick<TrainingData, 'settings'>, opts: TrainJobOptions, config: TrainerConfig): ExplicitSettings {
  const fitSetting = trainFitSetting(store)
  return {
    epochs: opts.epochs,
    batch: opts.batch,
    size: opts.size,
    freeze: opts.freeze,
    lr: opts.lr,
    optimizer: opts.optimizer,
    fit: opts.fit ?? fitSetting ?? undefined,
    classWeighting: opts.classWeighting,
    schedule: opts.schedule ? config.schedule : undefined,
    augment: opts.augment !== undefined ? config.augment : undefined,
    earlyStopping: opts.patience !== undefined ? config.earlyStopping : undefined
  }
}

async function runFull(store: TrainingData, data: ProjectDataset, config: TrainerConfig, opts: TrainJobOptions, hooks: TrainJobHooks): Promise<TrainOutcome> {
  const jobStart = performance.now()
  const start = await startingWeights(store, data.classes.length, opts, config)
  config = { ...config, width: start.width }
  const preset: RecipePreset = opts.recipe ?? 'auto'
  const profile = preset === 'auto' ? { ...(await dataProfile(data.train, data.classes.length, start.source)), startChannels: inputChannelsOf(start.weights) } : null
  // The cap on resolution: the project's training.size (224 unless set), as the seed uses.
  const maxSize = trainSizeSetting(store) ?? config.size
  const applied = applyRecipe(preset, config, explicitSettings(store, opts, config), profile, maxSize)
  config = applied.config
  const recipe = applied.record
  const stem = stemFor(start, config, data.classes.length)
  // Absent for RGB (as before the one-channel stem), so an RGB run's resume identity is unchanged.
  config = { ...config, inputChannels: stem.inputChannels === 1 ? 1 : undefined }
  const startWeights = stem.weights
  // The range test's outcome is not part of the identity (it follows from everything else).
  const identity = runIdentity(applied.pendingLrFinder ? { ...config, lr: NaN, optimizer: opts.optimizer ?? config.optimizer } : config, 'full', start.source, data.fingerprint)
  identity.recipe = preset
  const identityKey = sha256Hex(JSON.stringify(identity))

  let runId: number | null = null
  let checkpoint: Checkpoint | null = null
  let resumedRecipe: RecipeRecord | null = null
  if (opts.resume !== false) {
    for (const run of store.runs.list({ kind: 'classifier', limit: 20 })) {
      if ((run.status !== 'interrupted' && run.status !== 'cancelled') || run.config.identityKey !== identityKey) continue
      const stored = store.checkpoints.latest(run.id)
      if (!stored) continue
      checkpoint = deserializeCheckpoint({ state: stored.state, weights: stored.weights, optimizer: stored.optimizer })
      resumedRecipe = (run.config.recipe as RecipeRecord | undefined) ?? null
      runId = run.id
      store.runs.resume(run.id)
      break
    }
  }
  let lrFinderSeconds = 0
  if (applied.pendingLrFinder) {
    const stored = resumedRecipe
    if (stored?.lrFinder) {
      // Resuming: the run goes on with the rate its own range test found.
      config = { ...config, optimizer: stored.lrFinder.chosen.optimizer, lr: stored.lrFinder.chosen.lr, weightDecay: stored.lrFinder.chosen.optimizer === 'adamw' ? 0.01 : 1e-4 }
      recipe.choices = stored.choices
      recipe.lrFinder = stored.lrFinder
    } else {
      const t0 = performance.now()
      const found = await runLrFinder(config, applied.plan, opts.optimizer, data.train, startWeights, () => hooks.signal?.aborted === true)
      lrFinderSeconds = (performance.now() - t0) / 1000
      config = found.config
      recipe.lrFinder = found.record
      for (const choice of found.choices) {
        // The request's own optimizer stays recorded as set by it.
        if (choice.setting === 'optimizer' && opts.optimizer) continue
        recipe.choices.push(choice)
      }
    }
  }
  hooks.onRecipe?.(recipe)
  const runConfig = { ...identity, lr: config.lr, optimizer: config.optimizer, weightDecay: config.weightDecay, identityKey, recipe }
  if (runId === null) runId = store.runs.start({ kind: 'classifier', config: runConfig }).id
  const id = runId
  const resumedFromEpoch = checkpoint ? checkpoint.loop.nextEpoch : null
  hooks.onStart?.({ runId: id, resumedFromEpoch, config: runConfig })

  try {
    const trainStart = performance.now()
    const result = await runTrainer(config, { train: data.train, val: data.val }, checkpoint ? { checkpoint } : { weights: startWeights }, {
      isCancelled: () => hooks.signal?.aborted === true,
      onProgress: (p) => hooks.onProgress?.(id, p),
      onEpoch: (record, cp) => {
        const parts = serializeCheckpoint(cp)
        // Epoch metrics and checkpoint together: a crash leaves both or neither.
        store.transaction(() => {
          store.runs.recordEpoch(id, record.epoch, { ...record })
          store.checkpoints.save({ runId: id, epoch: record.epoch, step: cp.loop.globalStep, state: { ...parts.state }, weights: parts.weights, optimizer: parts.optimizer })
        })
        hooks.onEpoch?.(id, record)
      }
    })
    const trainingSeconds = (performance.now() - trainStart) / 1000
    const seconds = () => ({ lrFinder: lrFinderSeconds, training: trainingSeconds, total: (performance.now() - jobStart) / 1000 })
    if (result.status === 'cancelled' || result.history.length === 0) {
      store.runs.finish(id, { status: 'cancelled', summary: { epochs: result.history.length } })
      return {
        runId: id,
        status: 'cancelled',
        resumedFromEpoch,
        modelVersion: null,
        activated: false,
        reason: 'Training was cancelled; start it again with the same settings to continue from the last finished epoch.',
        warnings: [],
        metrics: null,
        activeMetrics: null,
        imagesPerSecond: result.imagesPerSecond,
        provider: result.provider,
        history: result.history,
        recipe,
        seconds: seconds()
      }
    }
    const bestEpoch = result.bestEpoch
    return await finishRun(store, data, config, {
      runId: id,
      weights: result.bestWeights,
      architecture: `resnet18@${config.width}`,
      config: { ...runConfig, classWeights: result.classWeights, classWeightsApplied: result.classWeightsApplied, bestEpoch },
      bestEpoch,
      imagesPerSecond: result.imagesPerSecond,
      provider: result.provider,
      history: result.history,
      resumedFromEpoch,
      recipe,
      seconds,
      operatingPoint: operatingPointRequest(store, opts)
    })
  } catch (error) {
    // Keep the checkpoints: a failed run can be resumed once the cause is fixed.
    store.runs.finish(id, { status: 'failed', error: (error as Error).message.split('\n')[0] })
    throw error
  }
}

async function runQuick(store: TrainingData, data: ProjectDataset, config: TrainerConfig, opts: TrainJobOptions, hooks: TrainJobHooks): Promise<TrainOutcome> {
  const t0 = performance.now()
  const backbone = await resolveStartingBackbone({ seed: config.seed, width: config.width, weightsFile: opts.weightsFile, backbone: opts.backbone, dirs: store.backboneDirs })
  config = { ...config, width: backbone.width }
  const runConfig = { mode: 'quick', width: backbone.width, size: config.size, fit: config.fit, seed: config.seed, backbone: backbone.id, classes: data.classes, dataFingerprint: data.fingerprint }
  const runId = store.runs.start({ kind: 'classifier', config: runConfig }).id
  hooks.onStart?.({ runId, resumedFromEpoch: null, config: runConfig })
  try {
    const all: EvalSample[] = [...data.train, ...data.val]
    const emb = await computeEmbeddings(all, backbone, { size: config.size, fit: config.fit, provider: config.provider, threads: config.threads, store: store.embeddings })
    if (hooks.signal?.aborted) {
      store.runs.finish(runId, { status: 'cancelled' })
      const total = (performance.now() - t0) / 1000
      return { runId, status: 'cancelled', resumedFromEpoch: null, modelVersion: null, activated: false, reason: 'Quick retrain was cancelled.', warnings: [], metrics: null, activeMetrics: null, imagesPerSecond: 0, provider: null, history: [], recipe: null, seconds: { lrFinder: 0, training: total, total } }
    }
    const trainFeatures = emb.features.subarray(0, data.train.length * emb.dims)
    const labels = data.train.map((s) => s.label)
    const cw = classWeights(classCounts(labels, data.classes.length), config.classWeighting)
    const head = trainLinearHead(trainFeatures, labels, data.classes.length, { ...DEFAULT_HEAD_TRAINING, classWeights: cw.weights })
    const seconds = (performance.now() - t0) / 1000
    const imagesPerSecond = all.length / Math.max(1e-9, seconds)
    hooks.onProgress?.(runId, {
      epoch: 1,
      epochs: 1,
      step: 1,
      stepsPerEpoch: 1,
      loss: head.loss,
      accuracy: NaN,
      imagesPerSecond,
      etaSeconds: 0,
      provider: 'cpu',
      lr: DEFAULT_HEAD_TRAINING.lr
    })
    const weights = withHead(backbone.weights, head, data.classes.length, emb.dims)
    const valFeatures = emb.features.subarray(data.train.length * emb.dims)
    const fromEmbeddings: EmbeddingEvaluator = {
      evaluate: (w, b) => evaluateLogits(linearLogits(valFeatures, emb.dims, w, b), data.val, data.classes, data.goodClass),
      // An active quick model on the same backbone and preprocessing: its head applies to
      // the same cached features, so no forward pass is needed for the gate either.
      headOf: (m) => {
        if (m.config.mode !== 'quick' || m.config.backbone !== backbone.id || m.config.size !== config.size || m.config.fit !== config.fit || m.config.width !== backbone.width) return null
        const blob = store.models.weights(m.version)
        if (!blob) return null
        const t = readSafetensors(new Uint8Array(blob))
        const w = t.get('fc.weight')
        const b = t.get('fc.bias')
        return w && b && w.shape[1] === emb.dims ? { weight: w.data, bias: b.data } : null
      }
    }
    return await finishRun(store, data, config, {
      fromEmbeddings,
      runId,
      weights,
      architecture: `resnet18@${backbone.width}`,
      config: { ...runConfig, classWeights: Array.from(cw.weights), classWeightsApplied: cw.applied, embeddingsCached: emb.cached, embeddingsComputed: emb.computed, seconds },
      bestEpoch: null,
      imagesPerSecond,
      provider: null,
      history: [],
      resumedFromEpoch: null,
      recipe: null,
      seconds: () => ({ lrFinder: 0, training: (performance.now() - t0) / 1000, total: (performance.now() - t0) / 1000 }),
      operatingPoint: operatingPointRequest(store, opts)
    })
  } catch (error) {
    store.runs.finish(runId, { status: 'failed', error: (error as Error).message.split('\n')[0] })
    throw error
  }
}

/**
 * Export the best weights, evaluate the candidate and the active model on the same
 * validation images, apply the never-worse gate and save the version, run status and
 * cleanup in one transaction.
 */
async function finishRun(
  store: TrainingData,
  data: ProjectDataset,
  config: TrainerConfig,
  run: {
    runId: number
    weights: TensorMap
    architecture: string
    config: Record<string, unknown>
    bestEpoch: number | null
    imagesPerSecond: number
    provider: ExecutionProviderName | null
    history: EpochRecord[]
    resumedFromEpoch: number | null
    recipe: RecipeRecord | null
    /** Read at the end, so the total includes the final evaluation. */
    seconds: () => TrainOutcome['seconds']
    /** Quick retrain: validation logits from cached embeddings instead of forward passes. */
    fromEmbeddings?: EmbeddingEvaluator
    /** The target the PASS threshold is chosen for. */
    operatingPoint: OperatingPointRequest
  }
): Promise<TrainOutcome> {
  // Test-time flips are part of the saved model, so every reader (inspection, evaluation,
  // the gate's next comparison) and the operating point below see the same averaged answer.
  // A quick retrain's figures come from single-view embeddings: it reads one view.
  const flips = config.testTimeFlips === true && !run.fromEmbeddings
  const plainOnnx = buildResnet18Inference({
    numClasses: data.classes.length,
    width: config.width,
    height: config.size,
    batch: 'dynamic',
    weights: run.weights,
    outputs: { probabilities: true }
  })
  const onnx = flips ? withFlipAveraging(plainOnnx) : plainOnnx
  const evalOpts = { provider: config.provider, threads: config.threads }
  const candidate = run.fromEmbeddings
    ? run.fromEmbeddings.evaluate(run.weights.get('fc.weight')!.data, run.weights.get('fc.bias')!.data)
    : await evaluateModel(onnx, new PreprocessedSet(data.val, config.size, config.fit, inputChannelsOf(run.weights)), data.classes, data.goodClass, evalOpts)
  const active = store.models.active('classifier')
  let activeEval: EvalResult | null = null
  const sameClasses = active !== null && JSON.stringify(active.classes) === JSON.stringify(data.classes)
  const activeHead = active && sameClasses && run.fromEmbeddings ? run.fromEmbeddings.headOf(active) : null
  if (activeHead) activeEval = run.fromEmbeddings!.evaluate(activeHead.weight, activeHead.bias)
  else if (active && sameClasses) {
    const size = Number(active.config.size ?? config.size)
    const fit = (active.config.fit === 'crop' ? 'crop' : 'whole') as Fit
    activeEval = await evaluateModel(new Uint8Array(store.models.onnx(active.version)), new PreprocessedSet(data.val, size, fit), data.classes, data.goodClass, evalOpts)
  }
  const decision = gateDecision({
    candidate: { classes: data.classes, metrics: candidate.metrics },
    active: active ? { version: active.version, classes: active.classes, metrics: activeEval?.metrics ?? candidate.metrics } : null
  })
  // The operating point: the PASS threshold for the target, on the same validation logits.
  const goodClass = data.goodClass
  const operatingPoint: OperatingPointDto | null =
    goodClass === null
      ? null
      : chooseOperatingPoint(
          goodProbabilities(candidate.logits, data.classes.length, goodClass),
          data.val.map((s) => s.label === goodClass),
          run.operatingPoint
        )
  const passFail = passFailFromLogits(candidate.logits, data.val.map((s) => s.label), data.classes.length, goodClass, operatingPoint?.threshold)
  const warnings = modelWarnings(candidate.metrics, passFail, goodClass === null ? null : data.classes[goodClass]!)
  const metrics: ModelMetrics = { ...candidate.metrics, ...passFail, operatingPoint, warnings, valLoss: candidate.loss, bestEpoch: run.bestEpoch, imagesPerSecond: run.imagesPerSecond }
  const inputChannels = inputChannelsOf(run.weights)
  const weightsBlob = writeSafetensors(run.weights, { classes: JSON.stringify(data.classes), size: String(config.size), fit: config.fit, inputChannels: String(inputChannels), ...(flips ? { [TEST_TIME_FLIPS_METADATA]: '4' } : {}) })
  const version = store.transaction(() => {
    const saved = store.models.add({
      kind: 'classifier',
      architecture: run.architecture,
      classes: data.classes,
      onnx,
      weights: weightsBlob,
      metrics: {
        ...metrics,
        gate: { activated: decision.activate, reason: decision.reason, comparedWith: active?.version ?? null, activeMetrics: activeEval?.metrics ?? null }
      },
      // inputChannels: what inspection feeds the model (3 RGB, 1 grey); versions stored without it are RGB.
      config: { ...run.config, size: config.size, fit: config.fit, inputChannels, testTimeFlips: flips, goodClass: data.goodClass === null ? null : data.classes[data.goodClass] },
      dataFingerprint: data.fingerprint,
      threshold: operatingPoint?.threshold ?? null,
      trainingRunId: run.runId,
      activate: decision.activate
    })
    store.runs.finish(run.runId, { status: 'done', summary: { modelVersion: saved.version, activated: decision.activate, accuracy: metrics.accuracy, defectRecall: metrics.defectRecall } })
    store.checkpoints.deleteForRun(run.runId)
    return saved.version
  })
  return {
    runId: run.runId,
    status: 'done',
    resumedFromEpoch: run.resumedFromEpoch,
    modelVersion: version,
    activated: decision.activate,
    reason: decision.reason,
    warnings,
    metrics,
    activeMetrics: activeEval?.metrics ?? null,
    imagesPerSecond: run.imagesPerSecond,
    provider: run.provider,
    history: run.history,
    recipe: run.recipe,
    seconds: run.seconds()
  }
}
