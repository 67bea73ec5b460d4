import sharp from 'sharp'
import { withDecodeSlot } from '../../imaging/decode-slots'
import type { TensorMap } from '../tensor'
import type { TrainSample } from './batches'
import { classCounts, classWeights } from './class-weights'
import { greyCount } from './grey-check'
import { lrRangeTest, type LrSweep } from './lr-finder'
import { chooseFromSweeps, planAutoRecipe, planSeedRecipe, testTimeFlipsChoice, type DataProfile, type RecipeChoice, type RecipePlan, type RecipePreset } from './recipe'
import type { TrainerConfig } from './trainer'

/**
 * Applying a recipe (recipe.ts) to a run: the data profile it reads, the request's own
 * settings laid over its choices, and the learning-rate range test. What comes out is the
 * trainer configuration and the record stored with the run ("why this recipe").
 */

/** One sweep as stored in the run record (the curve the Train screen draws). */
export interface LrSweepRecord {
  optimizer: 'sgd' | 'adamw'
  points: Array<{ lr: number; loss: number; smoothed: number }>
  suggestedLr: number | null
  lrAtMinimum: number
  lrAtDivergence: number | null
  minimumLoss: number
  seconds: number
}

export interface RecipeRecord {
  preset: RecipePreset
  choices: RecipeChoice[]
  /** The range test, when one ran (null: seed preset, or the request set the rate). */
  lrFinder: { steps: number; sweeps: LrSweepRecord[]; chosen: { optimizer: 'sgd' | 'adamw'; lr: number } } | null
}

/** Settings a request may set itself (undefined = let the recipe choose). */
export type ExplicitSettings = Partial<Pick<TrainerConfig, 'epochs' | 'batch' | 'size' | 'freeze' | 'lr' | 'optimizer' | 'fit' | 'classWeighting' | 'schedule' | 'augment' | 'earlyStopping'>>

/** Where the starting weights come from, from the backbone id (models/starting-backbone.ts). */
export function backboneKind(id: string): DataProfile['backbone'] {
  if (id.startsWith('imagenet')) return 'imagenet'
  if (id.startsWith('random')) return 'random'
  if (id.startsWith('file')) return 'file'
  return 'other'
}

/** The profile of the training split: counts, the sides of up to 256 images (evenly spread), and whether every image is grey. */
export async function dataProfile(train: TrainSample[], numClasses: number, backboneId: string): Promise<DataProfile> {
  const sizes: Array<[number, number]> = []
  const step = Math.max(1, Math.floor(train.length / 256))
  for (let i = 0; i < train.length && sizes.length < 256; i += step) {
    const s = train[i]!
    if (s.size) {
      sizes.push(s.size)
      continue
    }
    try {
      const bytes = await s.load()
      const meta = await withDecodeSlot(() => sharp(bytes).metadata())
      if (meta.width && meta.height) sizes.push(meta.autoOrient ? [meta.autoOrient.width, meta.autoOrient.height] : [meta.width, meta.height])
    } catch {
      // An image that does not decode is reported by the loader when training reaches it.
    }
  }
  return { images: train.length, classCounts: classCounts(train.map((s) => s.label), numClasses), sizes, backbone: backboneKind(backboneId), grey: await greyCount(train) }
}

/**
 * The configuration a preset gives `base` (the seed defaults with the project's settings),
 * with the request's explicit settings on top. `pendingLrFinder` says a range test must
 * still fix `lr`/`optimizer` (runLrFinder).
 */
export function applyRecipe(
  preset: RecipePreset,
  base: TrainerConfig,
  explicit: ExplicitSettings,
  profile: DataProfile | null,
  maxSize: number
): { config: TrainerConfig; record: RecipeRecord; plan: RecipePlan; pendingLrFinder: boolean } {
  const plan = preset === 'auto' && profile ? planAutoRecipe(profile, base, maxSize) : planSeedRecipe()
  const config: TrainerConfig = { ...base, ...plan.config }
  const choices = [...plan.choices]
  for (const [key, value] of Object.entries(explicit) as Array<[keyof ExplicitSettings, unknown]>) {
    if (value === undefined) continue
    ;(config as unknown as Record<string, unknown>)[key] = value
    if (preset !== 'auto') continue
    const shown = typeof value === 'object' ? JSON.stringify(value) : (value as string | number | boolean)
    const at = choices.findIndex((c) => c.setting === key)
    const choice: RecipeChoice = { setting: key, value: shown, why: 'Set in the request (or the project settings): kept as given.', reason: { id: 'explicit' } }
    if (at >= 0) choices[at] = choice
    else choices.push(choice)
  }
  // The flips follow the size and augmentation actually trained.
  if (preset === 'auto' && (explicit.size !== undefined || explicit.augment !== undefined)) {
    const flips = testTimeFlipsChoice(config.size, config.augment)
    config.testTimeFlips = flips.on
    const at = choices.findIndex((c) => c.setting === 'testTimeFlips')
    if (at >= 0) choices[at] = flips.choice
  }
  // AdamW's usual weight decay when the request picked AdamW itself.
  if (explicit.optimizer === 'adamw' && preset === 'auto') config.weightDecay = 0.01
  const pendingLrFinder = preset === 'auto' && plan.lrFinder !== null && explicit.lr === undefined
  return { config, record: { preset, choices, lrFinder: null }, plan, pendingLrFinder }
}

/** Run the range test (the request's optimizer only, when it set one) and fix lr/optimizer. */
export async function runLrFinder(
  config: TrainerConfig,
  plan: RecipePlan,
  explicitOptimizer: 'sgd' | 'adamw' | undefined,
  train: TrainSample[],
  weights: TensorMap,
  isCancelled: () => boolean
): Promise<{ config: TrainerConfig; record: NonNullable<RecipeRecord['lrFinder']>; choices: RecipeChoice[] }> {
  const finder = plan.lrFinder!
  const requests = explicitOptimizer ? finder.requests.filter((r) => r.optimizer === explicitOptimizer) : finder.requests
  const c = config.classes.length
  const cw = classWeights(classCounts(train.map((s) => s.label), c), config.classWeighting)
  const sweeps: LrSweep[] = await lrRangeTest(
    train,
    weights,
    requests,
    {
      numClasses: c,
      width: config.width,
      size: config.size,
      inputChannels: config.inputChannels,
      batch: Math.min(config.batch, train.length),
      freeze: config.freeze,
      momentum: config.momentum,
      weightDecay: config.weightDecay,
      labelSmoothing: config.labelSmoothing,
      provider: config.provider,
      threads: config.threads,
      steps: finder.steps,
      fit: config.fit,
      augment: config.augment,
      sampling: config.sampling ?? 'shuffle',
      seed: config.seed,
      classWeights: cw.weights
    },
    isCancelled
  )
  const pick = chooseFromSweeps(sweeps)
  const optimizer = explicitOptimizer ?? pick.optimizer
  const record = {
    steps: finder.steps,
    sweeps: sweeps.map((s) => ({
      optimizer: s.optimizer,
      points: s.points.map((p) => ({ lr: p.lr, loss: p.loss, smoothed: p.smoothed })),
      suggestedLr: s.suggestedLr,
      lrAtMinimum: s.lrAtMinimum,
      lrAtDivergence: s.lrAtDivergence,
      minimumLoss: s.minimumLoss,
      seconds: s.seconds
    })),
    chosen: { optimizer, lr: pick.lr }
  }
  return { config: { ...config, optimizer, lr: pick.lr, weightDecay: pick.weightDecay }, record, choices: pick.choices }
}
