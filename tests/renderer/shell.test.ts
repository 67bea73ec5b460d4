import { describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import App from '../../renderer/src/App.vue'
import { createAppRouter, screens } from '../../renderer/src/router'
import { statusFixture, withFakeApi } from './helpers'

async function mountApp(handlers: Parameters<typeof withFakeApi>[0] = {}) {
  const { fake, global } = withFakeApi(handlers)
  const router = createAppRouter()
  router.push('/label')
  await router.isReady()
  const wrapper = mount(App, { global: { ...global, plugins: [...global.plugins, router] }, attachTo: document.body })
  await flushPromises()
  return { wrapper, fake, router }
}

describe('shell', () => {
  it('shows the engine state, "no model yet" and the random-weights warning, then signals ready', async () => {
    delete document.body.dataset.appReady
    const { wrapper } = await mountApp()
    expect(wrapper.get('[data-testid="status-engine"]').text()).toContain('CPU')
    expect(wrapper.get('[data-testid="status-engine"]').text()).toContain('no GPU provider configured')
    expect(wrapper.get('[data-testid="status-model"]').text()).toBe('no model yet')
    expect(wrapper.get('[data-testid="status-weights-warning"]').text()).toContain('random initialisation')
    expect(wrapper.get('[data-testid="status-project"]').text()).toBe('No project open')
    expect(document.body.dataset.appReady).toBe('true')
    wrapper.unmount()
  })

  it('shows the active model and hides the warning with ImageNet weights', async () => {
    const status = statusFixture({ project: { path: '/p/a.dsproj', name: 'a' } })
    status.engine = { ...status.engine, activeModel: { version: 3, kind: 'classifier' }, weights: { source: 'imagenet' } }
    const { wrapper } = await mountApp({ 'app:status': () => status })
    expect(wrapper.get('[data-testid="status-model"]').text()).toBe('model v3 (classifier)')
    expect(wrapper.find('[data-testid="status-weights-warning"]').exists()).toBe(false)
    expect(wrapper.get('[data-testid="status-project"]').text()).toBe('Project: a')
    // The full path, for tests that must tell two projects of the same name apart (tests/e2e/support/projects.ts).
    expect(wrapper.get('[data-testid="status-project"]').attributes('data-project-path')).toBe('/p/a.dsproj')
    wrapper.unmount()
  })

  it('says "no pretrained weights" once on the Models screen (its weights panel) and as the banner elsewhere', async () => {
    const status = statusFixture()
    const { wrapper, router } = await mountApp({ 'app:status': () => status, 'engine:info': () => ({ weights: status.engine.weights }), 'models:list': () => [] })
    await router.push('/models')
    await flushPromises()
    const shown = () => wrapper.findAll('[data-testid="status-weights-warning"], [data-testid="weights-warning"]').filter((w) => w.isVisible())
    await vi.waitFor(() => expect(wrapper.find('[data-testid="weights-panel"]').exists()).toBe(true))
    expect(shown().map((w) => w.attributes('data-testid'))).toEqual(['weights-warning'])
    await router.push('/label')
    await flushPromises()
    expect(shown().map((w) => w.attributes('data-testid'))).toEqual(['status-weights-warning'])
    wrapper.unmount()
  })

  it('updates the status bar on an engine-status event', async () => {
    const { wrapper, fake } = await mountApp()
    fake.emit('app:engine-status', { state: 'restarting', provider: 'webgpu', providerReason: 'WebGPU adapter found' })
    await flushPromises()
    const text = wrapper.get('[data-testid="status-engine"]').text()
    expect(text).toContain('WebGPU · restarting')
    expect(text).toContain('WebGPU adapter found')
    wrapper.unmount()
    expect(fake.listenerCount('app:engine-status')).toBe(0)
  })

  it('refreshes the project name when a project is opened elsewhere', async () => {
    let project: { path: string; name: string } | null = null
    const { wrapper, fake } = await mountApp({ 'app:status': () => statusFixture({ project }) })
    expect(wrapper.get('[data-testid="status-project"]').text()).toBe('No project open')
    project = { path: '/p/line3.dsproj', name: 'line3' }
    fake.emit('projects:changed', { project })
    await flushPromises()
    expect(wrapper.get('[data-testid="status-project"]').text()).toBe('Project: line3')
    wrapper.unmount()
  })

  it('does not signal ready and shows the reason while the status call fails, then retries', async () => {
    vi.useFakeTimers()
    try {
      delete document.body.dataset.appReady
      let failing = true
      const { wrapper } = await mountApp({
        'app:status': () => {
          if (failing) throw new Error('engine worker did not start')
          return statusFixture()
        }
      })
      expect(wrapper.get('[data-testid="status-error"]').text()).toContain('engine worker did not start')
      expect(document.body.dataset.appReady).toBeUndefined()
      failing = false
      await vi.advanceTimersByTimeAsync(2000)
      await flushPromises()
      expect(wrapper.get('[data-testid="status-model"]').text()).toBe('no model yet')
      expect(document.body.dataset.appReady).toBe('true')
      wrapper.unmount()
    } finally {
      vi.useRealTimers()
    }
  })

  it('navigates to every screen from its nav item', async () => {
    const { wrapper, router } = await mountApp()
    for (const screen of screens) {
      await wrapper.get(`[data-testid="nav-${screen.name}"]`).trigger('click')
      // Some screens load on first visit (lazy chunks): wait for the navigation to land.
      await vi.waitFor(() => expect(router.currentRoute.value.name).toBe(screen.name), { timeout: 15_000 })
      await flushPromises()
      await vi.waitFor(() => expect(wrapper.find(`[data-testid="screen-${screen.name}"]`).exists()).toBe(true))
      expect(wrapper.get(`[data-testid="nav-${screen.name}"]`).classes()).toContain('active')
    }
    wrapper.unmount()
  })

  it('shows an honest empty state on Label when no project is open', async () => {
    const { wrapper } = await mountApp()
    expect(wrapper.get('[data-testid="label-no-project"]').text()).toContain('No project open')
    wrapper.unmount()
  })
})
