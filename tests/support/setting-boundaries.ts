import { TrainSettings } from '../../shared/contract/settings'
import { numberLimits } from '../../shared/contract/schema-limits'

/**
 * Boundary values of every numeric training setting, derived from its contract schema:
 * each bound itself, and the nearest value beyond it, with whether the schema accepts it.
 * Tests feed the same table to the CLI flags, the API and the Training form, so the three
 * must agree with the schema at every edge.
 */
export interface Boundary {
  key: keyof TrainSettings
  value: number
  accepted: boolean
}

export function numericTrainSettings(): Array<keyof TrainSettings> {
  return (Object.keys(TrainSettings.shape) as Array<keyof TrainSettings>).filter((key) => {
    try {
      numberLimits(TrainSettings.shape[key])
      return true
    } catch {
      return false
    }
  })
}

export function trainSettingBoundaries(): Boundary[] {
  const out: Boundary[] = []
  for (const key of numericTrainSettings()) {
    const l = numberLimits(TrainSettings.shape[key])
    const step = (v: number) => (l.integer ? 1 : Math.max(Math.abs(v) * 1e-6, 1e-12))
    if (l.min !== null) {
      out.push({ key, value: l.min, accepted: !l.exclusiveMin })
      out.push({ key, value: l.exclusiveMin ? l.min + step(l.min) : l.min - step(l.min), accepted: l.exclusiveMin })
    }
    if (l.max !== null) {
      out.push({ key, value: l.max, accepted: !l.exclusiveMax })
      out.push({ key, value: l.exclusiveMax ? l.max - step(l.max) : l.max + step(l.max), accepted: l.exclusiveMax })
    }
    if (l.integer && l.min !== null) out.push({ key, value: l.min + 0.5, accepted: false })
  }
  return out
}
