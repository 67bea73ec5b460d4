/**
 * Early stopping on a validation metric, and the choice of the best epoch. Its whole state
 * is plain JSON so a checkpoint can hold it (resume must equal an uninterrupted run).
 */

export interface EarlyStoppingState {
  /** Higher is better for every metric we monitor (accuracy, balanced accuracy, defect recall). */
  best: number | null
  /** The epoch whose weights are kept (0-based): the best one. */
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
}

export function initialEarlyStopping(): EarlyStoppingState {
  return { best: null, bestEpoch: null, epochsWithoutImprovement: 0 }
}

/** Record one epoch's validation score; says whether it is the new best and whether to stop. */
export function updateEarlyStopping(
  state: EarlyStoppingState,
  config: EarlyStoppingConfig,
  epoch: number,
  score: number
): { state: EarlyStoppingState; improved: boolean; stop: boolean } {
  const improved = state.best === null || score > state.best + config.minDelta
  const next: EarlyStoppingState = improved
    ? { best: score, bestEpoch: epoch, epochsWithoutImprovement: 0 }
    : { ...state, epochsWithoutImprovement: state.epochsWithoutImprovement + 1 }
  const stop = config.patience > 0 && next.epochsWithoutImprovement >= config.patience && epoch + 1 >= (config.minEpochs ?? 0)
  return { state: next, improved, stop }
}
