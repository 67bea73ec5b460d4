import { TrainRequest } from '../../../../shared/contract/training'
import { numberLimits, numberProblem, type NumberLimits } from '../../composables/number-limits'
import { translate } from '../../i18n/index'
import type { AdvancedTrainSettings } from '../../stores/training'

/**
 * The form's fields as typed (text, or a number from a number input; '' = default), so a
 * half-typed number never becomes NaN in the store.
 */
export interface TrainSettingsDraft {
  epochs: string | number
  batch: string | number
  lr: string | number
  size: string | number
  seed: string | number
  /** Early-stopping patience in epochs; 0 = never stop early. */
  patience: string | number
  freeze: '' | 'head' | 'last-stage' | 'all-but-stem' | 'none'
  optimizer: '' | 'sgd' | 'adamw'
  fit: '' | 'crop' | 'whole'
  classWeighting: '' | 'auto' | 'on' | 'off'
  /** Augmentation switches; unchecked = off for this project. */
  randomResizedCrop: boolean
  horizontalFlip: boolean
  colorJitter: boolean
  rotation: boolean
}

export const AUGMENT_KEYS = ['randomResizedCrop', 'horizontalFlip', 'colorJitter', 'rotation'] as const

/** Numeric fields: their limits are the 'training:start' schema's (shared/contract/training.ts). */
/** `label` is the field's message key (its name in the app's language). */
export const NUMBER_FIELDS = {
  epochs: { label: 'train.settings.epochs', limits: numberLimits(TrainRequest.shape.epochs) },
  batch: { label: 'train.settings.batch', limits: numberLimits(TrainRequest.shape.batch) },
  lr: { label: 'train.settings.lr', limits: numberLimits(TrainRequest.shape.lr) },
  size: { label: 'train.settings.sizeName', limits: numberLimits(TrainRequest.shape.size) },
  seed: { label: 'train.settings.seed', limits: numberLimits(TrainRequest.shape.seed) },
  patience: { label: 'train.settings.patienceName', limits: numberLimits(TrainRequest.shape.patience) }
} as const satisfies Record<string, { label: string; limits: NumberLimits }>

export function draftFromSettings(s: AdvancedTrainSettings): TrainSettingsDraft {
  const text = (v: number | undefined) => (v === undefined ? '' : String(v))
  return {
    epochs: text(s.epochs),
    batch: text(s.batch),
    lr: text(s.lr),
    size: text(s.size),
    seed: text(s.seed),
    patience: text(s.patience),
    freeze: s.freeze ?? '',
    optimizer: s.optimizer ?? '',
    fit: s.fit ?? '',
    classWeighting: s.classWeighting ?? '',
    randomResizedCrop: s.augment?.randomResizedCrop ?? true,
    horizontalFlip: s.augment?.horizontalFlip ?? true,
    colorJitter: s.augment?.colorJitter ?? true,
    rotation: s.augment?.rotation ?? true
  }
}

/**
 * Turn the draft into settings, or say per field what is wrong. Empty means "use the
 * default", so a new user can press Retrain without touching anything.
 */
export function parseSettingsDraft(d: TrainSettingsDraft): { settings: AdvancedTrainSettings; errors: Partial<Record<keyof TrainSettingsDraft, string>> } {
  const settings: AdvancedTrainSettings = {}
  const errors: Partial<Record<keyof TrainSettingsDraft, string>> = {}
  for (const key of Object.keys(NUMBER_FIELDS) as Array<keyof typeof NUMBER_FIELDS>) {
    const raw = String(d[key]).trim()
    if (raw === '') continue
    const problem = numberProblem(raw, NUMBER_FIELDS[key].limits, translate(NUMBER_FIELDS[key].label))
    if (problem) errors[key] = problem
    else settings[key] = Number(raw)
  }
  if (d.freeze) settings.freeze = d.freeze
  if (d.optimizer) settings.optimizer = d.optimizer
  if (d.fit) settings.fit = d.fit
  if (d.classWeighting) settings.classWeighting = d.classWeighting
  // Only switched-off augmentations are stored: the defaults stay the defaults.
  const off = AUGMENT_KEYS.filter((k) => !d[k])
  if (off.length > 0) settings.augment = Object.fromEntries(off.map((k) => [k, false]))
  return { settings, errors }
}
