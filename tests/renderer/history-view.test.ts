import { describe, expect, it } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createMemoryHistory, createRouter } from 'vue-router'
import HistoryView from '../../renderer/src/views/HistoryView.vue'
import { useAppStatusStore } from '../../renderer/src/stores/app-status'
import { statusFixture, withFakeApi } from './helpers'

/**
 * Issue 11 item 11: History says "no matches" apart from "no inspections yet", shows the
 * scores as a table beside the selected row, and a correction cannot contradict itself.
 */
const record = (id: number) => ({
  id, time: '2026-12-01T10:00:00Z', source: 'camera', file: null, partId: `P-${id}`, actor: 'op', modelVersion: 1, anomalyModelVersion: null,
  verdict: 'FAIL', className: 'crack', confidence: 0.9, scores: { free: 0.1, crack: 0.9 }, threshold: 0.5, latencyMs: 12, imageKept: false, region: null, reason: null, override: null
})

async function mountHistory(list: (payload: { className?: string }) => { rows: unknown[]; total: number }) {
  const { global, fake } = withFakeApi({
    'app:status': () => statusFixture({ project: { path: '/p/a.dsproj', name: 'a' } }),
    'history:list': list,
    'inspection:status': () => ({ models: { classifier: { version: 1, classes: ['free', 'crack', 'dent'], goodClass: 'free', threshold: 0.5, size: 32, fit: 'whole' }, anomaly: null } })
  })
  const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/:p(.*)*', component: { template: '<div />' } }] })
  const wrapper = mount(HistoryView, { global: { ...global, plugins: [...global.plugins, router] } })
  await useAppStatusStore().load()
  await flushPromises()
  return { wrapper, fake }
}

describe('History', () => {
  it('tells "no inspections yet" from "no inspection matches the filters"', async () => {
    const { wrapper } = await mountHistory(({ className }) => (className ? { rows: [], total: 0 } : { rows: [], total: 0 }))
    expect(wrapper.find('[data-testid="history-empty"]').text()).toContain('No inspections yet')
    await wrapper.get('[data-testid="history-class"]').setValue('Crack')
    await wrapper.get('[data-testid="history-filters"]').trigger('submit')
    await flushPromises()
    expect(wrapper.find('[data-testid="history-empty"]').exists()).toBe(false)
    expect(wrapper.get('[data-testid="history-no-match"]').text()).toContain('No inspection matches the filters')
    await wrapper.get('[data-testid="history-clear"]').trigger('click')
    await flushPromises()
    expect(wrapper.find('[data-testid="history-empty"]').exists()).toBe(true)
  })

  it('shows scores as a table and offers only classes that agree with the corrected verdict', async () => {
    const { wrapper } = await mountHistory(() => ({ rows: [record(1)], total: 1 }))
    await wrapper.get('[data-testid="history-row"]').trigger('click')
    await flushPromises()
    expect(wrapper.get('[data-testid="history-score-crack"]').text()).toContain('0.9000')
    await wrapper.get('[data-testid="history-override"]').trigger('click')
    // Correcting a FAIL to PASS: only the good class fits.
    const options = () => wrapper.get('[data-testid="history-override-class"]').findAll('option').map((o) => o.text())
    expect((wrapper.get('[data-testid="history-override-verdict"]').element as HTMLSelectElement).value).toBe('PASS')
    expect(options()).toEqual(['free'])
    await wrapper.get('[data-testid="history-override-verdict"]').setValue('FAIL')
    expect(options()).toEqual(['crack', 'dent'])
  })
})
