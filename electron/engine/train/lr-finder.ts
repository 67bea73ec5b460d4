import type { TensorMap } from '../tensor'
import { BatchLoader, type TrainSample } from './batches'
import type { AugmentConfig, FitMode } from './augment'
import type { SamplingMode } from './sampling'
import { median } from './median'
import { StepSession, type StepSessionOptions } from './step-session'

/**
 * Learning-rate range test (Smith 2015, "Cyclical Learning Rates"; fastai's lr_find): a
 * short run from the starting weights in which the learning rate grows geometrically from
 * `lrMin` to `lrMax`, one step each, recording the loss. The loss first stays flat (too
 * small to matter), then falls, then blows up; a good peak rate for a one-cycle schedule
 * sits about ten times below the point of lowest (smoothed) loss. Each candidate optimizer
 * gets its own sweep from the same weights on the same batches, and the recipe keeps the
 * one whose loss fell lowest (recipe.ts). The weights of the sweep are thrown away.
 */

export interface LrSweepPoint {
  lr: number
  loss: number
  /** Exponential moving average of the loss (β 0.7, bias-corrected), what the choice reads. */
  smoothed: number
}

export interface LrSweep {
  optimizer: 'sgd' | 'adamw'
  points: LrSweepPoint[]
  /** Learning rate at the lowest smoothed loss (before any blow-up). */
  lrAtMinimum: number
  /** The rate from which the smoothed loss stays 10 % above its starting level to the end (null: never). */
  lrAtDivergence: number | null
  minimumLoss: number
  initialLoss: number
  /**
   * The peak rate this sweep suggests: a tenth of the divergence rate (of the largest rate
   * tried when there is no blow-up in range), or null when the loss neither fell nor climbed.
   * Not the minimum: over a short sweep the lowest point sits anywhere in the flat part
   * (noise), while the rise at the end is unmistakable.
   */
  suggestedLr: number | null
  /**
   * The smoothed loss fell at least 10 % below its starting level: the network started to
   * learn within the sweep, so the rates around its fall and climb are measured on a
   * learning network (recipe.ts caps the peak of a sweep that did not).
   */
  learnt: boolean
  /** Stopped early because the loss exceeded 4× its lowest value or was not finite. */
  diverged: boolean
  seconds: number
}

export interface LrSweepRequest {
  optimizer: 'sgd' | 'adamw'
  lrMin: number
  lrMax: number
}

export interface LrFinderOptions extends Omit<StepSessionOptions, 'optimizer'> {
  steps: number
  fit: FitMode
  augment: AugmentConfig
  sampling: SamplingMode
  seed: number
  classWeights: Float32Array
}

const SMOOTHING = 0.7

/** One sweep per request; stops early on divergence. `isCancelled` is polled between steps. */
export async function lrRangeTest(
  train: TrainSample[],
  weights: TensorMap,
  requests: LrSweepRequest[],
  opts: LrFinderOptions,
  isCancelled: () => boolean = () => false
): Promise<LrSweep[]> {
  // Its own batch stream (epoch −1 of the seed): the sweep never changes the run's batches.
  const loader = new BatchLoader(train, { size: opts.size, batch: opts.batch, fit: opts.fit, augment: opts.augment, seed: opts.seed, sampling: opts.sampling, channels: opts.inputChannels })
  const batches = []
  const perEpoch = loader.batchesPerEpoch()
  for (let e = 0; batches.length < opts.steps; e++) {
    for (const draws of loader.epochPlan(-1 - e).slice(0, opts.steps - batches.length)) batches.push(await loader.assemble(-1 - e, draws))
    if (perEpoch === 0) break
  }
  const sweeps: LrSweep[] = []
  for (const req of requests) {
    const t0 = performance.now()
    const session = await StepSession.open({ ...opts, optimizer: req.optimizer }, weights)
    const points: LrSweepPoint[] = []
    let avg = 0
    let best = Infinity
    let diverged = false
    try {
      for (let i = 0; i < batches.length; i++) {
        if (isCancelled()) break
        const lr = req.lrMin * (req.lrMax / req.lrMin) ** (i / Math.max(1, batches.length - 1))
        const { loss } = await session.run(batches[i]!, lr, i, opts.classWeights)
        if (!Number.isFinite(loss)) {
          diverged = true
          break
        }
        avg = SMOOTHING * avg + (1 - SMOOTHING) * loss
        const smoothed = avg / (1 - SMOOTHING ** (i + 1))
        points.push({ lr, loss, smoothed })
        best = Math.min(best, smoothed)
        if (i > 2 && smoothed > 4 * best) {
          diverged = true
          break
        }
      }
    } finally {
      await session.release()
    }
    sweeps.push(summarise(req.optimizer, points, diverged, (performance.now() - t0) / 1000))
  }
  return sweeps
}

/** Lowest smoothed loss and the rate it suggests (exported for tests). */
export function summarise(optimizer: 'sgd' | 'adamw', points: LrSweepPoint[], diverged: boolean, seconds: number): LrSweep {
  if (points.length === 0) return { optimizer, points, lrAtMinimum: NaN, lrAtDivergence: null, minimumLoss: Infinity, initialLoss: NaN, suggestedLr: null, learnt: false, diverged: true, seconds }
  let k = 0
  for (let i = 1; i < points.length; i++) if (points[i]!.smoothed < points[k]!.smoothed) k = i
  const initialLoss = points[0]!.smoothed
  const minimumLoss = points[k]!.smoothed
  // "Never fell": the lowest loss is within 2 % of the start, or is the very first point.
  const fell = k > 0 && minimumLoss < 0.98 * initialLoss
  // The blow-up is the final climb: the first point from which the smoothed loss stays above
  // 1.1× the starting level to the sweep's end. A rise that falls back (a fresh fc's first
  // noisy batches) is not one: taking it chose 1.2e-5 from generated weights. The starting
  // level is the median raw loss of the first third, not the first point: one batch's loss
  // moves ±0.15 from a random start, and a low first batch put the "climb" at 8e-3 where
  // the other training seeds found 4e-2 (docs/accuracy.md, "The range test's rule").
  const third = Math.max(3, Math.ceil(points.length / 3))
  const start = median(points.slice(0, third).map((p) => p.loss))
  let up = -1
  for (let i = points.length - 1; i > 0 && points[i]!.smoothed > 1.1 * start; i--) up = i
  const lrAtDivergence = up > 0 ? points[up]!.lr : null
  const edge = lrAtDivergence ?? points.at(-1)!.lr
  // A final climb locates the edge of stability whether or not the loss fell first: from
  // random weights it cannot fall in a dozen steps, yet the climb is there.
  const suggestedLr = fell || lrAtDivergence !== null ? edge / 10 : null
  // Past the first third: a low first batch is no fall.
  const learnt = points.slice(third).some((p) => p.smoothed < 0.9 * start)
  return { optimizer, points, lrAtMinimum: points[k]!.lr, lrAtDivergence, minimumLoss, initialLoss, suggestedLr, learnt, diverged, seconds }
}
