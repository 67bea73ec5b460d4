/**
 * Learning-rate schedules as pure functions of the position in training. The train-step
 * graph takes the learning rate as an input, so a schedule never rebuilds the session, and
 * a pure function needs no state in a checkpoint beyond (epoch, step).
 */

export type ScheduleConfig =
  | { kind: 'step'; stepSize: number; gamma: number }
  | { kind: 'cosine'; warmupEpochs: number; minLrFactor?: number }
  | { kind: 'constant' }
  /**
   * torch.optim.lr_scheduler.OneCycleLR (anneal 'cos', three_phase False): from
   * base/divFactor up to base over the first pctStart of all steps, then down to
   * base/(divFactor·finalDivFactor), both halves cosine.
   */
  | { kind: 'onecycle'; pctStart: number; divFactor: number; finalDivFactor: number }

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
    case 'onecycle': {
      const spe = Math.max(1, pos.stepsPerEpoch)
      const t = pos.epoch * spe + pos.stepInEpoch
      const total = Math.max(2, pos.totalEpochs * spe)
      // torch: the warm-up ends at step pct·total − 1 and the last step (total − 1) hits the minimum.
      const up = Math.max(1, schedule.pctStart * total - 1)
      const initial = baseLr / schedule.divFactor
      const minLr = initial / schedule.finalDivFactor
      const cos = (from: number, to: number, frac: number): number => to + ((from - to) / 2) * (1 + Math.cos(Math.PI * Math.min(1, Math.max(0, frac))))
      if (t <= up) return cos(initial, baseLr, t / up)
      return cos(baseLr, minLr, (t - up) / Math.max(1, total - 1 - up))
    }
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
