import { describe, expect, it } from 'vitest'
import { createAppI18n, detectLocale } from '../../renderer/src/i18n/index'

describe('i18n', () => {
  it('formats numbers and dates per locale', () => {
    const i18n = createAppI18n('en')
    const when = new Date(Date.UTC(2026, 0, 31, 12, 0, 0))
    expect(i18n.global.n(0.123, 'percent')).toBe('12.3%')
    expect(i18n.global.n(12345, 'integer')).toBe('12,345')
    const enDate = i18n.global.d(when, 'day')
    i18n.global.locale.value = 'zh-CN'
    expect(i18n.global.t('verdict.fail')).toBe('不合格')
    expect(i18n.global.d(when, 'day')).toMatch(/2026年1月3[01]日/)
    expect(i18n.global.d(when, 'day')).not.toBe(enDate)
  })

  it('follows the system language: any Chinese gives Simplified Chinese, unknown gives English', () => {
    expect(detectLocale(['zh-CN', 'en'])).toBe('zh-CN')
    expect(detectLocale(['zh-TW'])).toBe('zh-CN')
    expect(detectLocale(['de-DE', 'en-GB'])).toBe('en')
    expect(detectLocale(['fr'])).toBe('en')
    expect(detectLocale([])).toBe('en')
  })
})
