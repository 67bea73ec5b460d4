import type { InspectionModelInfo } from '../../../shared/contract/inspection'
import type { ProjectStore } from '../../store/project-store'
import { GOOD_CLASS_NAMES } from '../../store/repositories/classes-repo'
import type { ModelVersion } from '../../store/repositories/models-repo'
import { effectiveThreshold } from './verdict'

/**
 * What inspection needs to know about the active models of a project: versions, class
 * order, which class is good, input size, fit mode, and the threshold in force (the
 * project's override wins over the version's own).
 */

export const SETTING_INSPECTION = 'inspection'
export const DEFAULT_SIZE = 224

export class NoGoodClassError extends Error {
  constructor(version: number, classes: string[]) {
    super(`Model version ${version} has no good class among ${classes.join(', ')}. Mark the good class on the Label screen and retrain, or import a package that names it.`)
    this.name = 'NoGoodClassError'
  }
}

export function goodClassOf(store: ProjectStore, model: Pick<ModelVersion, 'version' | 'classes' | 'config'>): string {
  const fromConfig = model.config.goodClass
  if (typeof fromConfig === 'string' && model.classes.includes(fromConfig)) return fromConfig
  const projectGood = store.classes.list().find((c) => c.isGood)?.name
  if (projectGood && model.classes.includes(projectGood)) return projectGood
  const byName = model.classes.find((c) => GOOD_CLASS_NAMES.includes(c.toLowerCase()))
  if (byName) return byName
  throw new NoGoodClassError(model.version, model.classes)
}

function numberFrom(config: Record<string, unknown>, keys: string[]): number | undefined {
  for (const k of keys) {
    const v = config[k]
    if (typeof v === 'number' && Number.isFinite(v)) return v
  }
  return undefined
}

export function resolveModels(store: ProjectStore, thresholdOverride: number | null): InspectionModelInfo {
  const c = store.models.active('classifier')
  const a = store.models.active('anomaly')
  const fitSetting = store.settings.get<unknown>('inspection.fit', null)
  return {
    classifier: c
      ? {
          version: c.version,
          classes: c.classes,
          goodClass: goodClassOf(store, c),
          threshold: effectiveThreshold(c.threshold, thresholdOverride),
          size: numberFrom(c.config, ['size', 'inputSize', 'imageSize']) ?? DEFAULT_SIZE,
          fit: c.config.fit === 'crop' || c.config.fit === 'whole' ? c.config.fit : fitSetting === 'crop' ? 'crop' : 'whole'
        }
      : null,
    anomaly: a
      ? {
          version: a.version,
          threshold: a.threshold ?? 0.5,
          size: numberFrom(a.config, ['size', 'inputSize', 'imageSize']) ?? DEFAULT_SIZE,
          fit: a.config.fit === 'crop' ? 'crop' : 'whole'
        }
      : null
  }
}
