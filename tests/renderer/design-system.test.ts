import { describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import App from '../../renderer/src/App.vue'
import BaseTabs from '../../renderer/src/components/base/BaseTabs.vue'
import BaseVerdict from '../../renderer/src/components/base/BaseVerdict.vue'
import { createAppRouter } from '../../renderer/src/router'
import { useNotificationsStore } from '../../renderer/src/stores/notifications'
import { useOperatorModeStore } from '../../renderer/src/stores/operator-mode'
import { statusFixture, withFakeApi } from './helpers'

async function mountApp(route = '/label') {
  const { fake, global } = withFakeApi({
    'app:status': () => statusFixture({ project: { path: '/p/a.dsproj', name: 'a' } }),
    'inspection:status': () => ({
      state: 'idle',
      source: null,
      stats: { inspected: 0, passed: 0, failed: 0, noVerdict: 0, failRate: 0, dropped: 0, fps: 0, latencyP50: 0, latencyP95: 0, watchdogRestarts: 0 },
      models: { classifier: null, anomaly: null },
      settings: { triggerMode: 'trigger', rateHz: 2, heatmap: false, roi: null },
      actor: 'tester',
      triggerUrl: null,
      lastFailures: []
    })
  })
  const router = createAppRouter()
  router.push(route)
  await router.isReady()
  const wrapper = mount(App, { global: { ...global, plugins: [...global.plugins, router] }, attachTo: document.body })
  await flushPromises()
  return { wrapper, fake, router }
}

describe('design system and shell', () => {
  it('switches between light and dark on <html data-theme>', async () => {
    const { wrapper } = await mountApp()
    const before = document.documentElement.dataset.theme
    expect(['light', 'dark']).toContain(before)
    await wrapper.get('[data-testid="theme-toggle"]').trigger('click')
    expect(document.documentElement.dataset.theme).toBe(before === 'dark' ? 'light' : 'dark')
    expect(localStorage.getItem('ds.theme')).toBe(document.documentElement.dataset.theme)
    wrapper.unmount()
  })

  it('shows the random-weights warning as a dismissible banner with its actions', async () => {
    const { wrapper } = await mountApp()
    const banner = wrapper.get('[data-testid="status-weights-warning"]')
    expect(banner.text()).toContain('random initialisation')
    expect(banner.find('[data-testid="banner-weights-download"]').exists()).toBe(true)
    expect(banner.find('[data-testid="banner-weights-import"]').exists()).toBe(true)
    await wrapper.get('[data-testid="status-weights-warning-dismiss"]').trigger('click')
    expect(wrapper.find('[data-testid="status-weights-warning"]').exists()).toBe(false)
    wrapper.unmount()
  })

  it('operator mode keeps every other screen away until an engineer confirms unlocking', async () => {
    const { wrapper, router } = await mountApp('/operator')
    await vi.waitFor(() => expect(wrapper.find('[data-testid="screen-operator"]').exists()).toBe(true), { timeout: 15_000 })
    expect(wrapper.find('[data-testid="nav-models"]').exists()).toBe(false)
    await wrapper.get('[data-testid="operator-lock"]').trigger('click')
    expect(useOperatorModeStore().locked).toBe(true)
    await router.push('/models')
    expect(router.currentRoute.value.name).toBe('operator')
    // Unlocking asks first; cancelling keeps the lock.
    await wrapper.get('[data-testid="operator-unlock"]').trigger('click')
    await flushPromises()
    await wrapper.get('[data-testid="confirm-cancel"]').trigger('click')
    await flushPromises()
    expect(useOperatorModeStore().locked).toBe(true)
    await wrapper.get('[data-testid="operator-unlock"]').trigger('click')
    await flushPromises()
    await wrapper.get('[data-testid="confirm-ok"]').trigger('click')
    await flushPromises()
    expect(useOperatorModeStore().locked).toBe(false)
    await router.push('/models')
    expect(router.currentRoute.value.name).toBe('models')
    wrapper.unmount()
  })

  it('a toast offers Undo and runs it once', async () => {
    const { wrapper } = await mountApp()
    const undo = vi.fn()
    useNotificationsStore().toast('Deleted 3 images', { action: { label: 'Undo', run: undo } })
    await flushPromises()
    expect(wrapper.get('[data-testid="toast"]').text()).toContain('Deleted 3 images')
    await wrapper.get('[data-testid="toast-action"]').trigger('click')
    await flushPromises()
    expect(undo).toHaveBeenCalledTimes(1)
    expect(wrapper.find('[data-testid="toast"]').exists()).toBe(false)
    wrapper.unmount()
  })

  it('verdicts differ in word and shape, not only in colour', () => {
    const shapes = new Set<string>()
    for (const verdict of ['PASS', 'FAIL', 'NO_VERDICT'] as const) {
      const w = mount(BaseVerdict, { props: { verdict } })
      shapes.add(w.get('svg').html())
      expect(w.text()).toBe({ PASS: 'PASS', FAIL: 'FAIL', NO_VERDICT: 'NO VERDICT' }[verdict])
    }
    expect(shapes.size).toBe(3)
  })

  it('tabs move with the arrow keys', async () => {
    const w = mount(BaseTabs, {
      props: { tabs: [{ id: 'a', label: 'A' }, { id: 'b', label: 'B' }], label: 'T', modelValue: 'a', 'onUpdate:modelValue': (v: string) => w.setProps({ modelValue: v }) },
      attachTo: document.body
    })
    await w.findAll('[role="tab"]')[0]!.trigger('keydown', { key: 'ArrowRight' })
    expect(w.props('modelValue')).toBe('b')
    expect(w.findAll('[role="tab"]')[1]!.attributes('aria-selected')).toBe('true')
    w.unmount()
  })
})
