import { describe, expect, it } from 'vitest'
import { channels, checkProjectSetting } from '../../../shared/contract/index'
import { settingFlag, trainCommand, trainSettingsFromArgs } from '../../../electron/cli/commands/train'
import { UsageError } from '../../../electron/cli/command'
import { numericTrainSettings, trainSettingBoundaries } from '../../support/setting-boundaries'

/**
 * One schema per setting: for every numeric training setting, at each of its schema's
 * bounds and just beyond, `defect-studio train`'s flag, the `training:start` request and
 * the stored project setting (`projects:settings-set` 'training.advanced') all accept or
 * all refuse, as the schema says. The Training form's side is tests/renderer/setting-limits.test.ts.
 */

const boundaries = trainSettingBoundaries()

function cliAccepts(key: string, value: number): boolean {
  try {
    trainSettingsFromArgs({ values: { [settingFlag(key as never)]: String(value) }, positionals: [], json: false })
    return true
  } catch (error) {
    if (!(error instanceof UsageError)) throw error
    return false
  }
}

describe('each numeric training setting has one set of limits', () => {
  it('covers every numeric setting, each with a CLI flag', () => {
    expect(numericTrainSettings().sort()).toEqual(['batch', 'epochs', 'lr', 'patience', 'seed', 'size'])
    for (const key of numericTrainSettings()) expect(Object.keys(trainCommand.options)).toContain(settingFlag(key))
  })

  it.each(boundaries.map((b) => [b.key, b.value, b.accepted] as const))('%s = %s: accepted %s by the CLI, the API and the stored setting', (key, value, accepted) => {
    expect(cliAccepts(key, value)).toBe(accepted)
    expect(channels['training:start'].payload.safeParse({ [key]: value }).success).toBe(accepted)
    expect(checkProjectSetting('training.advanced', { [key]: value }).ok).toBe(accepted)
  })

  it('prints the schema\'s message, naming the flag', () => {
    expect(() => trainSettingsFromArgs({ values: { lr: '0' }, positionals: [], json: false })).toThrow(/--lr: Too small: expected number to be >0/)
    expect(() => trainSettingsFromArgs({ values: { 'class-weights': 'maybe' }, positionals: [], json: false })).toThrow(/--class-weights: Invalid option/)
  })
})
