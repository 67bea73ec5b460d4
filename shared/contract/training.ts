import { z } from 'zod'
import { event, request } from './define'
import { ExecutionProviderName } from './app'

/**
 * Training a classifier and managing its model versions. A run trains in the engine
 * worker; progress arrives as `training:progress` events, the end as `training:done`.
 * Every finished run becomes a new model version; the "never worse" gate decides whether
 * it is activated (docs/decisions.md, Models), and the user can activate any version.
 */

export const FreezePreset = z.enum(['head', 'last-stage', 'all-but-stem', 'none'])
export type FreezePreset = z.infer<typeof FreezePreset>

/** Each augmentation on or off; omitted ones keep their default (on). */
export const TrainAugment = z
  .object({
    /** RandomResizedCrop (scale 0.08–1), following the project's fit mode. */
    randomResizedCrop: z.boolean(),
    horizontalFlip: z.boolean(),
    /** ColorJitter 0.2 / 0.2 / 0.2. */
    colorJitter: z.boolean(),
    /** RandomRotation ±15°. */
    rotation: z.boolean()
  })
  .partial()
  .strict()
export type TrainAugment = z.infer<typeof TrainAugment>

/**
 * The classifier's operating point (engine/train/operating-point.ts): the PASS threshold is
 * chosen on the validation images so that at most `rate` of the defects pass
 * ('missed-defect-rate', default 1 %) or at most `rate` of the good parts are rejected
 * ('false-reject-rate').
 */
export const OperatingPointRequest = z
  .object({
    target: z.enum(['missed-defect-rate', 'false-reject-rate']),
    rate: z.number().min(0).lt(1)
  })
  .strict()
export type OperatingPointRequest = z.infer<typeof OperatingPointRequest>

/** The operating point a version was given, with its validation counts (metrics.operatingPoint). */
export interface OperatingPointDto extends OperatingPointRequest {
  threshold: number
  /** 'validation': chosen from the validation images; 'default': nothing to choose from (see note). */
  chosenOn: 'validation' | 'default'
  goodImages: number
  falseRejects: number
  defectImages: number
  missedDefects: number
  /** How many defects may pass (missed-defect target) or good parts be rejected (false-reject target). */
  allowed: number
  note?: string
}

export const TrainRequest = z
  .object({
    /** 'full' fine-tunes the network; 'quick' trains only the head on cached backbone embeddings. */
    mode: z.enum(['full', 'quick']).default('full'),
    epochs: z.number().int().min(1).max(500).optional(),
    batch: z.number().int().min(1).max(512).optional(),
    size: z.number().int().min(32).max(1024).optional(),
    freeze: FreezePreset.optional(),
    lr: z.number().positive().max(10).optional(),
    optimizer: z.enum(['sgd', 'adamw']).optional(),
    seed: z.number().int().min(0).max(2 ** 31 - 1).optional(),
    fit: z.enum(['crop', 'whole']).optional(),
    /** Class-weighted loss: 'auto' (default) turns it on beyond 3:1 imbalance. */
    classWeighting: z.enum(['auto', 'on', 'off']).optional(),
    /** Augmentations, each switchable (all on by default, torchvision's recipe). */
    augment: TrainAugment.optional(),
    /** StepLR(7, 0.1) (default) or cosine with one warm-up epoch. */
    schedule: z.enum(['step', 'cosine']).optional(),
    /** Early-stopping patience in epochs (0 = never stop early). */
    patience: z.number().int().min(0).max(500).optional(),
    /** Continue the last interrupted run from its checkpoint when its settings match (default true). */
    resume: z.boolean().optional(),
    /**
     * 'auto' (default): settings chosen from the data with a learning-rate range test; the
     * fields above, where given, override its choices. 'seed': torchvision's fine-tuning recipe.
     */
    recipe: z.enum(['auto', 'seed']).optional(),
    /** PASS threshold chosen on validation for this target (default: missed defects ≤ 1 %). */
    operatingPoint: OperatingPointRequest.optional()
  })
  .strict()
export type TrainRequest = z.input<typeof TrainRequest>

/** One choice of a run's recipe and why it was made (the "why this recipe" list). */
export const RecipeChoiceDto = z.object({
  setting: z.string(),
  value: z.union([z.string(), z.number(), z.boolean()]),
  why: z.string(),
  /** `why` as a stable id and its numbers/names (engine/train/recipe.ts); absent in records written before it existed. */
  reason: z.object({ id: z.string(), params: z.record(z.string(), z.union([z.string(), z.number()])).optional() }).optional()
})
export type RecipeChoiceDto = z.infer<typeof RecipeChoiceDto>

/** A learning-rate range test sweep: the curve the Train screen draws. */
export const LrSweepDto = z.object({
  optimizer: z.enum(['sgd', 'adamw']),
  points: z.array(z.object({ lr: z.number(), loss: z.number(), smoothed: z.number() })),
  suggestedLr: z.number().nullable(),
  lrAtMinimum: z.number(),
  lrAtDivergence: z.number().nullable(),
  minimumLoss: z.number(),
  seconds: z.number()
})
export type LrSweepDto = z.infer<typeof LrSweepDto>

/** The recipe a run used (stored in its record as `config.recipe`; `train --json` prints it). */
export const TrainingRecipeDto = z.object({
  preset: z.enum(['auto', 'seed']),
  choices: z.array(RecipeChoiceDto),
  lrFinder: z.object({ steps: z.number(), sweeps: z.array(LrSweepDto), chosen: z.object({ optimizer: z.enum(['sgd', 'adamw']), lr: z.number() }) }).nullable()
})
export type TrainingRecipeDto = z.infer<typeof TrainingRecipeDto>

export interface PerClassMetricsDto {
  class: string
  precision: number
  recall: number
  support: number
}

/**
 * PASS/FAIL figures of a classifier on labelled images, as the line would see them: a part
 * passes when the good class's probability reaches `threshold`.
 */
export interface PassFailMetricsDto {
  /** Defect images passed as good, of all defect images (null: no defect image or no good class). */
  missedDefectRate: number | null
  missedDefects: number
  defectImages: number
  /** Good images rejected, of all good images (null: no good image or no good class). */
  falseRejectRate: number | null
  falseRejects: number
  goodImages: number
  /** Accuracy of always answering the good class (null without a good class). */
  baseline: number | null
  /** Good-class probability below which a part is rejected (null without a good class). */
  threshold: number | null
  /** How the threshold was chosen (classifiers trained with an operating point; absent before). */
  operatingPoint?: OperatingPointDto | null
}

/** Validation metrics of a model version (CLI `eval` JSON has the same field names). */
export interface ModelMetricsDto extends PassFailMetricsDto {
  accuracy: number
  balancedAccuracy: number
  defectRecall: number | null
  perClass: PerClassMetricsDto[]
  confusion: { labels: string[]; matrix: number[][] }
  count: number
  /** Why this version should not be trusted (worse than always-good, no defect caught, no good class). */
  warnings: string[]
}

export interface ModelVersionDto {
  version: number
  kind: 'classifier' | 'anomaly'
  architecture: string
  classes: string[]
  metrics: Partial<ModelMetricsDto> & Record<string, unknown>
  config: Record<string, unknown>
  dataFingerprint: string
  active: boolean
  createdAt: string
  activatedAt: string | null
  trainingRunId: number | null
}

/**
 * INT8 inspection of a classifier version (`models:int8-status` / `models:int8-set`; CLI:
 * models int8): on only after a calibration on the training images and a check against fp32
 * on the validation images lost at most half a point. `check` is the last check (accepted
 * or refused); `refusal.code` says why it is off after a refused check.
 */
export interface Int8CheckDto {
  images: number
  fp32Accuracy: number
  int8Accuracy: number
  /** fp32 − INT8 accuracy (fraction). */
  lost: number
  /** Share of images where both predict the same class. */
  agreement: number
  accepted: boolean
  reason: string
}

export interface Int8StateDto {
  version: number
  int8: boolean
  check: Int8CheckDto | null
  refusal: { code: 'accuracy' | 'no-weights' | 'no-validation'; message: string } | null
  calibrationImages: number | null
  checkedAt: string | null
}

export interface TrainingRunDto {
  id: number
  kind: 'classifier' | 'anomaly'
  status: 'running' | 'done' | 'failed' | 'cancelled' | 'interrupted'
  config: Record<string, unknown>
  startedAt: string
  finishedAt: string | null
  error: string | null
  epochs: TrainingEpochDto[]
  modelVersion: number | null
}

export type TrainingState = 'idle' | 'training' | 'stopping' | 'done' | 'error'

export const TrainingProgressPayload = z.object({
  runId: z.number(),
  epoch: z.number(),
  epochs: z.number(),
  step: z.number(),
  stepsPerEpoch: z.number(),
  loss: z.number(),
  accuracy: z.number(),
  imagesPerSecond: z.number(),
  etaSeconds: z.number(),
  provider: ExecutionProviderName,
  lr: z.number()
})
export type TrainingProgressPayload = z.infer<typeof TrainingProgressPayload>

/** One epoch of a run as stored and listed (`training:runs`), and, with its run id, sent. */
export const TrainingEpochDto = z.object({
  epoch: z.number(),
  trainLoss: z.number(),
  trainAccuracy: z.number(),
  valAccuracy: z.number(),
  valBalancedAccuracy: z.number(),
  valDefectRecall: z.number().nullable(),
  valLoss: z.number().nullable(),
  lr: z.number(),
  seconds: z.number()
})
export type TrainingEpochDto = z.infer<typeof TrainingEpochDto>

export const TrainingEpochPayload = TrainingEpochDto.extend({ runId: z.number() })

export const TrainingDonePayload = z.object({
  runId: z.number().nullable(),
  status: z.enum(['done', 'cancelled', 'failed']),
  modelVersion: z.number().nullable(),
  activated: z.boolean(),
  /** Why the gate did (not) activate the new version, or why the run failed. */
  reason: z.string(),
  metrics: z.record(z.string(), z.unknown()).nullable(),
  imagesPerSecond: z.number(),
  /** Why the new version should not be trusted (also stored in its metrics.warnings). */
  warnings: z.array(z.string()).default([]),
  /** The recipe the run used and why (absent for quick retrain and failed runs). */
  recipe: TrainingRecipeDto.nullable().optional()
})
export type TrainingDonePayload = z.infer<typeof TrainingDonePayload>

export interface TrainingStatusDto {
  state: TrainingState
  runId: number | null
  progress: TrainingProgressPayload | null
  last: TrainingDonePayload | null
  /** Set while a run of ANOTHER project holds the trainer (its progress is not shown here). */
  busyElsewhere?: { projectPath: string }
}

export const trainingChannels = {
  'training:start': request<typeof TrainRequest, { runId: number | null; resumed: boolean }>(
    TrainRequest,
    'Start training the open project (full fine-tuning or quick head-only); refused while a run is in progress.'
  ),
  'training:cancel': request<z.ZodObject<{}>, { cancelled: boolean }>(z.object({}).strict(), 'Stop the current run at the next step; its last epoch checkpoint stays for resuming.'),
  'training:status': request<z.ZodObject<{}>, TrainingStatusDto>(z.object({}).strict(), 'Whether a run is in progress, its latest progress, and the last result.'),
  'training:runs': request<z.ZodObject<{}>, TrainingRunDto[]>(z.object({}).strict(), 'Every training run of the open project with its per-epoch metrics, newest first.'),
  'models:list': request<z.ZodObject<{}>, ModelVersionDto[]>(z.object({}).strict(), 'Every model version of the open project, newest first.'),
  'models:activate': request<z.ZodObject<{ version: z.ZodNumber }>, ModelVersionDto>(
    z.object({ version: z.number().int().min(1) }).strict(),
    'Make this version the active one of its kind (also how to roll back).'
  ),
  'models:int8-status': request<z.ZodObject<{ version: z.ZodNumber }>, Int8StateDto>(
    z.object({ version: z.number().int().min(1) }).strict(),
    'Whether a classifier version inspects in INT8, with its last accuracy check against fp32 (and why it was refused).'
  ),
  'models:int8-set': request<z.ZodObject<{ version: z.ZodNumber; on: z.ZodBoolean }>, Int8StateDto>(
    z.object({ version: z.number().int().min(1), on: z.boolean() }).strict(),
    'Turn INT8 inspection on (calibrate on the training images, check against fp32 on the validation images; refused when it loses more than half a point) or off for a classifier version (CLI: models int8).'
  ),
  'models:compare': request<z.ZodObject<{ a: z.ZodNumber; b: z.ZodNumber }>, { a: ModelVersionDto; b: ModelVersionDto; accuracyDelta: number; defectRecallDelta: number | null; sameClasses: boolean }>(
    z.object({ a: z.number().int().min(1), b: z.number().int().min(1) }).strict(),
    'Stored validation metrics of two versions side by side (b minus a).'
  ),
  'models:export-package': request<
    z.ZodObject<{ version: z.ZodOptional<z.ZodNumber>; file: z.ZodString }>,
    { version: number; file: string; bytes: number }
  >(
    z.object({ version: z.number().int().min(1).optional(), file: z.string().min(1).max(4096) }).strict(),
    'Write a model version (default: the active classifier) as a .dsmodel package file: ONNX model, classes with the good one, preprocessing, threshold (CLI: models export).'
  ),
  'models:import-package': request<z.ZodObject<{ file: z.ZodString }>, { version: number; kind: 'classifier' | 'anomaly'; activated: boolean }>(
    z.object({ file: z.string().min(1).max(4096) }).strict(),
    'Add the model in a .dsmodel package as a new version of the open project (CLI: models import).'
  )
} as const

export const trainingEvents = {
  'training:progress': event(TrainingProgressPayload, 'One training step finished: loss, accuracy, speed, ETA and provider.'),
  'training:epoch': event(TrainingEpochPayload, 'One epoch finished with its validation metrics.'),
  'training:done': event(TrainingDonePayload, 'A run ended: new model version and whether the gate activated it, or why it stopped.')
} as const
