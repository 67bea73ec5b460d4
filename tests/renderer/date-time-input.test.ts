import { describe, expect, it } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createMemoryHistory, createRouter } from 'vue-router'
import BaseDateTimeInput from '../../renderer/src/components/base/BaseDateTimeInput.vue'
import HistoryView from '../../renderer/src/views/HistoryView.vue'
import { createAppI18n } from '../../renderer/src/i18n/index'
import { dateTimePattern, formatDateTimeText, parseDateTimeText } from '../../renderer/src/i18n/date-time-text'
import { useAppStatusStore } from '../../renderer/src/stores/app-status'
import { statusFixture, withFakeApi } from './helpers'

/**
 * History's time filter is written in the app's language, not the browser's: a native
 * datetime-local input showed mm/dd/yyyy in the Chinese app (NOTE3, Screens III item 5).
 */
const en = dateTimePattern('en')
const zh = dateTimePattern('zh-CN')

describe('date and time typed in the app language', () => {
  it('reads and writes each language\'s order', () => {
    expect(formatDateTimeText('2026-11-28T14:30', en)).toBe('11/28/2026, 14:30')
    expect(formatDateTimeText('2026-11-28T14:30', zh)).toBe('2026/11/28 14:30')
    expect(parseDateTimeText('11/28/2026, 14:30', en)).toBe('2026-11-28T14:30')
    expect(parseDateTimeText('2026/11/28 14:30', zh)).toBe('2026-11-28T14:30')
    // Separators are free, the time may be left out.
    expect(parseDateTimeText('2026-11-28', zh)).toBe('2026-11-28T00:00')
    expect(parseDateTimeText('2026年11月28日 9:05', zh)).toBe('2026-11-28T09:05')
    expect(parseDateTimeText('  ', en)).toBe('')
  })

  it('refuses what is not a real date', () => {
    for (const [text, pattern] of [
      ['28/11/2026', en], // day first is not English's order: month 28
      ['02/30/2026', en],
      ['02/29/2027, 10:00', en],
      ['2026/13/01', zh],
      ['2026/11/28 24:00', zh],
      ['2026/11/28 10:60', zh],
      ['26/11/28', zh],
      ['2026/11', zh],
      ['next tuesday', en],
      ['2026/11/28 10:00 PM', zh]
    ] as const) expect(parseDateTimeText(text, pattern), text).toBeNull()
    expect(parseDateTimeText('02/29/2028', en)).toBe('2028-02-29T00:00')
  })

  it('shows the Chinese format and placeholder in the Chinese app, and says what is wrong', async () => {
    const wrapper = mount(BaseDateTimeInput, { props: { modelValue: '2026-11-28T14:30', label: '从' }, global: { plugins: [createAppI18n('zh-CN')] } })
    const input = wrapper.get('input')
    expect((input.element as HTMLInputElement).value).toBe('2026/11/28 14:30')
    expect(input.attributes('placeholder')).toBe('年/月/日 时:分')
    await input.setValue('2026/02/30')
    expect(wrapper.emitted('update:invalid')?.at(-1)).toEqual([true])
    expect(wrapper.get('[role="alert"]').text()).toBe('不是有效的日期时间，例如 2026/11/28 14:30。')
    expect(wrapper.emitted('update:modelValue')).toBeUndefined()
    await input.setValue('2026-12-01 8:00')
    expect(wrapper.emitted('update:modelValue')?.at(-1)).toEqual(['2026-12-01T08:00'])
    await input.trigger('blur')
    expect((input.element as HTMLInputElement).value).toBe('2026/12/01 08:00')
  })

  it('History filters by a time typed the English way, and not while a date is wrong', async () => {
    const calls: Array<{ from?: string; to?: string }> = []
    const { global } = withFakeApi({
      'app:status': () => statusFixture({ project: { path: '/p/a.dsproj', name: 'a' } }),
      'history:list': (p: { from?: string; to?: string }) => {
        calls.push(p)
        return { rows: [], total: 0 }
      },
      'inspection:status': () => ({ models: { classifier: null, anomaly: null } })
    })
    const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/:p(.*)*', component: { template: '<div />' } }] })
    const wrapper = mount(HistoryView, { global: { ...global, plugins: [...global.plugins, router] } })
    await useAppStatusStore().load()
    await flushPromises()
    const from = wrapper.get('[data-testid="history-from"]')
    expect(from.attributes('type')).toBe('text')
    expect(from.attributes('placeholder')).toBe('mm/dd/yyyy, hh:mm')
    await from.setValue('13/01/2026')
    expect(wrapper.get('[data-testid="history-apply"]').attributes('disabled')).toBeDefined()
    await from.setValue('11/28/2026, 14:30')
    expect(wrapper.get('[data-testid="history-apply"]').attributes('disabled')).toBeUndefined()
    calls.length = 0
    await wrapper.get('[data-testid="history-filters"]').trigger('submit')
    await flushPromises()
    expect(calls.at(-1)?.from).toBe(new Date(2026, 10, 28, 14, 30).toISOString())
  })
})
