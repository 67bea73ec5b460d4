import { z } from 'zod'
import { TrainRequest } from './training'
import { AnomalyTrainRequest } from './anomaly'
import { InspectionSettings } from './inspection'

/**
 * One schema per project setting. Every place that reads or writes a setting takes its
 * schema from here: `projects:settings-set` validates a known key with it, the services
 * read through it (a stored value that no longer fits is ignored, never trusted), and the
 * schemas themselves are the request schemas that use the value (`training:start`,
 * `anomaly:train`, `inspection:settings`), so a limit is declared exactly once.
 */

/** The Training screen's advanced settings: a `training:start` request without mode and resume. */
export const TrainSettings = TrainRequest.omit({ mode: true, resume: true })
export type TrainSettings = z.infer<typeof TrainSettings>

const fit = z.enum(['crop', 'whole'])

export const projectSettingSchemas = {
  /** Advanced training settings kept for the next run (Training screen). */
  'training.advanced': TrainSettings,
  /** Input size used by classifier and anomaly training when a request does not say. */
  'training.size': TrainRequest.shape.size.unwrap(),
  'training.fit': fit,
  /** Operating point of the next classifier trained when a request does not say (operating-point.ts). */
  'training.operatingPoint': TrainRequest.shape.operatingPoint.unwrap(),
  /** Validation share per class for the automatic split (store/repositories/splits-repo.ts). */
  'split.valFraction': z.number().min(0).lt(1),
  'anomaly.targetFrr': AnomalyTrainRequest.shape.targetFrr.unwrap(),
  'anomaly.coresetFraction': AnomalyTrainRequest.shape.coresetFraction.unwrap(),
  /** Inspection settings (missing fields take DEFAULT_INSPECTION_SETTINGS). */
  inspection: InspectionSettings.partial().strict(),
  /** Fit used at inspection for a model that does not record its own. */
  'inspection.fit': fit
} as const

export type ProjectSettingKey = keyof typeof projectSettingSchemas
export type ProjectSettingValue<K extends ProjectSettingKey> = z.infer<(typeof projectSettingSchemas)[K]>

export function isProjectSettingKey(key: string): key is ProjectSettingKey {
  return Object.prototype.hasOwnProperty.call(projectSettingSchemas, key)
}

/** Keys other parts of the app may use freely (UI state); values are bounded in size only. */
export const MAX_OTHER_SETTING_JSON = 64 * 1024

/**
 * Check one setting before it is stored: a known key against its schema, any other key
 * only for size. Returns the value to store (zod's parsed output) or the problems as
 * "key.path: message" lines.
 */
export function checkProjectSetting(key: string, value: unknown): { ok: true; value: unknown } | { ok: false; issues: string[] } {
  if (isProjectSettingKey(key)) {
    const parsed = projectSettingSchemas[key].safeParse(value)
    if (parsed.success) return { ok: true, value: parsed.data }
    return { ok: false, issues: parsed.error.issues.map((i) => `${[key, ...i.path.map(String)].join('.')}: ${i.message}`) }
  }
  const json = JSON.stringify(value)
  if (json === undefined) return { ok: false, issues: [`${key}: the value cannot be stored as JSON`] }
  if (json.length > MAX_OTHER_SETTING_JSON) return { ok: false, issues: [`${key}: the value is ${json.length} bytes as JSON; at most ${MAX_OTHER_SETTING_JSON} are kept`] }
  return { ok: true, value }
}

/** A stored value read back: the schema's output when it still fits, else undefined. */
export function readProjectSetting<K extends ProjectSettingKey>(key: K, stored: unknown): ProjectSettingValue<K> | undefined {
  if (stored === undefined || stored === null) return undefined
  const parsed = projectSettingSchemas[key].safeParse(stored)
  return parsed.success ? (parsed.data as ProjectSettingValue<K>) : undefined
}
