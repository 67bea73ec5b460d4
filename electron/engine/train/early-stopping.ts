/**
 * Early stopping on a validation metric, and the choice of the epoch whose weights are kept.
 * Its whole state is plain JSON so a checkpoint can hold it (resume must equal an
 * uninterrupted run).
 */

export interface EarlyStoppingState {
  /** Highest score so far. Higher is better for every metric we monitor (accuracy, balanced accuracy, defect recall). */
  best: number | null
  /** The epoch whose weights are kept (0-based): the best one, or a later one within `keepLaterWithin` of it. */
  bestEpoch: number | null
  /** Epochs since `best` last rose (what `patience` counts). */
  epochsWithoutImprovement: number
}

export interface EarlyStoppingConfig {
  /** Stop after this many epochs without improvement; 0 = never stop early. */
  patience: number
  /** An epoch must beat the best by more than this to count as an improvement. */
  minDelta: number
  /**
   * Never stop before this many epochs have run (default 0). A one-cycle schedule gains most
   * in its decay; a stop in its first half on a noisy validation score wastes that.
   */
  minEpochs?: number
  /**
   * Keep a later epoch whose score is within this of the best so far (default 0: only a new
   * best). On a small validation split the scores of neighbouring epochs differ by noise
   * (a few images); with a decaying rate the later weights are the better estimate when
   * validation cannot tell them apart, and the maximum of noisy scores favours a lucky epoch.
   */
  keepLaterWithin?: number
}

export function initialEarlyStopping(): EarlyStoppingState {
  return { best: null, bestEpoch: null, epochsWithoutImprovement: 0 }
}

/**
 * Record one epoch's validation score: whether its weights are the ones to keep
 * (`improved`) and whether to stop.
 */
export function updateEarlyStopping(
  state: EarlyStoppingState,
  config: EarlyStoppingConfig,
  epoch: number,
  score: number
): { state: EarlyStoppingState; improved: boolean; stop: boolean } {
  const rose = state.best === null || score > state.best + config.minDelta
  const within = state.best !== null && (config.keepLaterWithin ?? 0) > 0 && score >= state.best - config.keepLaterWithin!
  const keep = rose || within
  const next: EarlyStoppingState = {
    best: rose ? score : state.best,
    bestEpoch: keep ? epoch : state.bestEpoch,
    epochsWithoutImprovement: rose ? 0 : state.epochsWithoutImprovement + 1
  }
  const stop = config.patience > 0 && next.epochsWithoutImprovement >= config.patience && epoch + 1 >= (config.minEpochs ?? 0)
  return { state: next, improved: keep, stop }
}
