import { describe, expect, it } from 'vitest'
import { NUMBER_FIELDS } from '../../renderer/src/components/training/training-settings'
import { numberInputAttrs, numberProblem } from '../../renderer/src/composables/number-limits'
import { numericTrainSettings, trainSettingBoundaries } from '../support/setting-boundaries'

/**
 * The Training form's half of tests/unit/cli/setting-limits.test.ts: its fields refuse and
 * accept exactly what the contract schema does at every bound, and the browser's own
 * min/max are those bounds.
 */
describe('Training form limits are the schema\'s', () => {
  it('has a field for every numeric setting', () => {
    expect(Object.keys(NUMBER_FIELDS).sort()).toEqual(numericTrainSettings().sort())
  })

  it.each(trainSettingBoundaries().map((b) => [b.key, b.value, b.accepted] as const))('%s = %s: accepted %s', (key, value, accepted) => {
    const field = NUMBER_FIELDS[key as keyof typeof NUMBER_FIELDS]
    expect(numberProblem(String(value), field.limits, key) === null).toBe(accepted)
    const attrs = numberInputAttrs(field.limits)
    if (attrs.min !== undefined && accepted) expect(value).toBeGreaterThanOrEqual(attrs.min)
    if (attrs.max !== undefined && accepted) expect(value).toBeLessThanOrEqual(attrs.max)
  })
})
