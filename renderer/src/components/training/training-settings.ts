import type { AdvancedTrainSettings } from '../../stores/training'

/** The form's fields as typed text, so a half-typed number never becomes NaN in the store. */
export interface TrainSettingsDraft {
  epochs: string
  batch: string
  lr: string
  size: string
  seed: string
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

/** Limits mirror the 'training:start' schema (shared/contract/training.ts); the server checks again. */
const LIMITS = {
  epochs: { min: 1, max: 500, integer: true, label: 'Epochs' },
  batch: { min: 1, max: 512, integer: true, label: 'Batch size' },
  size: { min: 32, max: 1024, integer: true, label: 'Image size' },
  seed: { min: 0, max: 2 ** 31 - 1, integer: true, label: 'Seed' },
  lr: { min: 0, max: 10, integer: false, label: 'Learning rate' }
} as const

export function draftFromSettings(s: AdvancedTrainSettings): TrainSettingsDraft {
  const text = (v: number | undefined) => (v === undefined ? '' : String(v))
  return {
    epochs: text(s.epochs),
    batch: text(s.batch),
    lr: text(s.lr),
    size: text(s.size),
    seed: text(s.seed),
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
  for (const key of Object.keys(LIMITS) as Array<keyof typeof LIMITS>) {
    const raw = d[key].trim()
    if (raw === '') continue
    const limit = LIMITS[key]
    const value = Number(raw)
    if (!Number.isFinite(value)) errors[key] = `${limit.label} must be a number.`
    else if (limit.integer && !Number.isInteger(value)) errors[key] = `${limit.label} must be a whole number.`
    else if (key === 'lr' ? value <= 0 || value > limit.max : value < limit.min || value > limit.max)
      errors[key] = key === 'lr' ? `${limit.label} must be above 0 and at most ${limit.max}.` : `${limit.label} must be between ${limit.min} and ${limit.max}.`
    else settings[key] = value
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
