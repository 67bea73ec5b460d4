/**
 * Learning-rate schedules as pure functions of the position in training. The train-step
 * graph takes the learning rate as an input, so a schedule never rebuilds the session, and
 * a pure function needs no state in a checkpoint beyond (epoch, step).
 */

export type ScheduleConfig =
  | { kind: 'step'; stepSize: number; gamma: number }
  | { kind: 'cosine'; warmupEpochs: number; minLrFactor?: number }
  | { kind: 'constant' }

/** torchvision's fine-tuning recipe: StepLR(step_size=7, gamma=0.1), stepped once per epoch. */
export const DEFAULT_SCHEDULE: ScheduleConfig = { kind: 'step', stepSize: 7, gamma: 0.1 }

export interface SchedulePosition {
  epoch: number // 0-based
  stepInEpoch: number // 0-based
  stepsPerEpoch: number
  totalEpochs: number
}

/** The learning rate for one optimizer step. */
export function learningRateAt(baseLr: number, schedule: ScheduleConfig, pos: SchedulePosition): number {
  switch (schedule.kind) {
    case 'constant':
      return baseLr
    case 'step':
      // torch.optim.lr_scheduler.StepLR: lr = base * gamma ** floor(epoch / step_size).
      return baseLr * schedule.gamma ** Math.floor(pos.epoch / schedule.stepSize)
    case 'cosine': {
      // Linear warm-up from ~0 to base over warmupEpochs, then half a cosine down to
      // base * minLrFactor at the end of the last epoch (per step, not per epoch).
      const spe = Math.max(1, pos.stepsPerEpoch)
      const t = pos.epoch * spe + pos.stepInEpoch
      const warm = Math.round(schedule.warmupEpochs * spe)
      const total = Math.max(1, pos.totalEpochs * spe)
      if (t < warm) return (baseLr * (t + 1)) / warm
      const minLr = baseLr * (schedule.minLrFactor ?? 0)
      const progress = Math.min(1, (t - warm) / Math.max(1, total - warm))
      return minLr + 0.5 * (baseLr - minLr) * (1 + Math.cos(Math.PI * progress))
    }
  }
}
