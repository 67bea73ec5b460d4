import { describe, expect, it } from 'vitest'
import { defaultTrainerConfig } from '../../../electron/engine/train/trainer'
import { resolveTrainerConfig, SETTING_TRAIN_FIT, SETTING_TRAIN_SIZE, type ProjectDataset } from '../../../electron/engine/train/training-job'

/**
 * resolveTrainerConfig reads the project's `training.size` and `training.fit` through their
 * schemas (shared/contract/settings.ts), like every other setting: a stored value that no
 * longer fits (an older build, an edited file) is ignored and the default applies, never
 * handed to the trainer.
 */
const data: ProjectDataset = { classes: ['free', 'dent'], goodClass: 0, train: [], val: [], fingerprint: 'f' }
const base = defaultTrainerConfig(data.classes, data.goodClass)

function settings(values: Record<string, unknown>): { settings: { get<T>(key: string, fallback: T): T } } {
  return { settings: { get: <T>(key: string, fallback: T): T => (key in values ? (values[key] as T) : fallback) } }
}

describe('resolveTrainerConfig reads training.size and training.fit through their schemas', () => {
  it('uses stored values that fit', () => {
    const config = resolveTrainerConfig(settings({ [SETTING_TRAIN_SIZE]: 64, [SETTING_TRAIN_FIT]: 'crop' }), data, { mode: 'full' })
    expect(config).toMatchObject({ size: 64, fit: 'crop' })
  })

  it.each([
    ['a size below the schema minimum', { [SETTING_TRAIN_SIZE]: 7 }],
    ['a size that is not an integer', { [SETTING_TRAIN_SIZE]: 100.5 }],
    ['a size stored as text', { [SETTING_TRAIN_SIZE]: '224' }],
    ['a fit the app does not know', { [SETTING_TRAIN_FIT]: 'stretch' }]
  ])('ignores %s: the default applies', (_what, stored) => {
    const config = resolveTrainerConfig(settings(stored), data, { mode: 'full' })
    expect(config.size).toBe(base.size)
    expect(config.fit).toBe(base.fit)
  })

  it('a request still overrides the setting', () => {
    expect(resolveTrainerConfig(settings({ [SETTING_TRAIN_SIZE]: 64, [SETTING_TRAIN_FIT]: 'crop' }), data, { mode: 'full', size: 96, fit: 'whole' })).toMatchObject({ size: 96, fit: 'whole' })
  })
})
