import { describe, expect, it } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createMemoryHistory, createRouter } from 'vue-router'
import ModelsView from '../../renderer/src/views/ModelsView.vue'
import { useAppStatusStore } from '../../renderer/src/stores/app-status'
import { statusFixture, withFakeApi } from './helpers'

const version = (v: number, active: boolean, accuracy: number) => ({
  version: v,
  kind: 'classifier' as const,
  architecture: 'resnet18',
  classes: ['ok', 'scratch'],
  metrics: { accuracy, defectRecall: accuracy - 0.1, count: 40 },
  config: {},
  dataFingerprint: 'f',
  active,
  createdAt: '2026-11-28T22:00:00Z',
  activatedAt: null,
  trainingRunId: v
})

async function mountModels(handlers: Parameters<typeof withFakeApi>[0]) {
  const { fake, global } = withFakeApi({ 'app:status': () => statusFixture({ project: { path: '/p/a.dsproj', name: 'a' } }), ...handlers })
  const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/:p(.*)*', component: { template: '<div />' } }] })
  const wrapper = mount(ModelsView, { global: { ...global, plugins: [...global.plugins, router] } })
  await useAppStatusStore().load()
  await flushPromises()
  return { wrapper, fake }
}

describe('models view', () => {
  it('says there is no model yet, honestly', async () => {
    const { wrapper } = await mountModels({ 'models:list': () => [] })
    expect(wrapper.get('[data-testid="models-empty"]').text()).toContain('No model yet')
  })

  it('lists versions, rolls back to an older one and refreshes', async () => {
    let active = 3
    const { wrapper, fake } = await mountModels({
      'models:list': () => [version(3, active === 3, 0.9), version(2, active === 2, 0.85)],
      'models:activate': ({ version: v }: { version: number }) => {
        active = v
        return version(v, true, 0.85)
      }
    })
    expect(wrapper.get('[data-testid="model-row-3"]').text()).toContain('Active')
    expect(wrapper.get('[data-testid="model-activate-2"]').text()).toBe('Roll back to this')
    await wrapper.get('[data-testid="model-activate-2"]').trigger('click')
    await flushPromises()
    expect(fake.calls.find((c) => c.channel === 'models:activate')?.payload).toEqual({ version: 2 })
    expect(wrapper.get('[data-testid="model-row-2"]').text()).toContain('Active')
    expect(wrapper.get('[data-testid="model-activate-3"]').text()).toBe('Activate')
    // The status bar's model is refreshed too.
    expect(fake.calls.filter((c) => c.channel === 'app:status').length).toBeGreaterThanOrEqual(2)
  })

  it('compares two chosen versions', async () => {
    const { wrapper, fake } = await mountModels({
      'models:list': () => [version(3, true, 0.9), version(2, false, 0.85)],
      'models:compare': ({ a, b }: { a: number; b: number }) => ({ a: version(a, false, 0.85), b: version(b, true, 0.9), accuracyDelta: 0.05, defectRecallDelta: 0.05, sameClasses: true })
    })
    expect(wrapper.get('[data-testid="models-compare"]').attributes('disabled')).toBeDefined()
    await wrapper.get('[data-testid="model-pick-3"]').setValue(true)
    await wrapper.get('[data-testid="model-pick-2"]').setValue(true)
    await wrapper.get('[data-testid="models-compare"]').trigger('click')
    await flushPromises()
    expect(fake.calls.find((c) => c.channel === 'models:compare')?.payload).toEqual({ a: 2, b: 3 })
    expect(wrapper.get('[data-testid="compare-accuracy-delta"]').text()).toBe('+5.0 points')
  })

  it('shows the reason when activation is refused', async () => {
    const { wrapper } = await mountModels({
      'models:list': () => [version(3, true, 0.9), version(2, false, 0.85)],
      'models:activate': () => {
        throw new Error('Model version 2 was trained for other classes; retrain first.')
      }
    })
    await wrapper.get('[data-testid="model-activate-2"]').trigger('click')
    await flushPromises()
    expect(wrapper.get('[data-testid="models-error"]').text()).toContain('other classes')
  })
})
