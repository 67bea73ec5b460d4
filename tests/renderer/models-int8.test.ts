import { describe, expect, it } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createMemoryHistory, createRouter } from 'vue-router'
import ModelsView from '../../renderer/src/views/ModelsView.vue'
import { useAppStatusStore } from '../../renderer/src/stores/app-status'
import { config } from '@vue/test-utils'
import type { I18n } from 'vue-i18n'
import type { Int8StateDto } from '../../shared/contract/training'
import { statusFixture, withFakeApi } from './helpers'

/**
 * The Models screen's INT8 control (components/models/ModelsInt8Panel.vue) on a fake
 * transport: state per classifier version, calibrate + check → on, the refusal with both
 * accuracies and its reason, back to fp32.
 */
const version = (v: number, kind: 'classifier' | 'anomaly', active: boolean) => ({
  version: v, kind, architecture: 'resnet18', classes: ['free', 'scratch'], metrics: { accuracy: 0.9, count: 40 }, config: {},
  dataFingerprint: 'f', active, createdAt: '2026-11-28T22:00:00Z', activatedAt: null, trainingRunId: v
})
const check = (fp32: number, int8: number, accepted: boolean) => ({
  images: 40, fp32Accuracy: fp32, int8Accuracy: int8, lost: fp32 - int8, agreement: 0.95, accepted, reason: 'server text (English)'
})
const never = (v: number): Int8StateDto => ({ version: v, int8: false, check: null, refusal: null, calibrationImages: null, checkedAt: null })

async function mountModels(handlers: Parameters<typeof withFakeApi>[0]) {
  const { fake, global } = withFakeApi({
    'app:status': () => statusFixture({ project: { path: '/p/a.dsproj', name: 'a' } }),
    'models:list': () => [version(5, 'anomaly', true), version(3, 'classifier', true), version(2, 'classifier', false)],
    ...handlers
  })
  const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/:p(.*)*', component: { template: '<div />' } }] })
  const wrapper = mount(ModelsView, { global: { ...global, plugins: [...global.plugins, router] } })
  await useAppStatusStore().load()
  await flushPromises()
  return { wrapper, fake }
}

describe('models view: INT8 control', () => {
  it('offers classifier versions only, the active one first, and says it was never checked', async () => {
    const { wrapper, fake } = await mountModels({ 'models:int8-status': ({ version: v }: { version: number }) => never(v) })
    const options = wrapper.get('[data-testid="int8-version"]').findAll('option').map((o) => o.text())
    expect(options).toEqual(['Version 3', 'Version 2'])
    expect(fake.calls.find((c) => c.channel === 'models:int8-status')?.payload).toEqual({ version: 3 })
    expect(wrapper.get('[data-testid="int8-state"]').text()).toContain('fp32')
    expect(wrapper.find('[data-testid="int8-never"]').exists()).toBe(true)
    expect(wrapper.find('[data-testid="int8-check"]').exists()).toBe(false)
  })

  it('turns INT8 on after the check and shows both accuracies, then back to fp32', async () => {
    let on = false
    const { wrapper, fake } = await mountModels({
      'models:int8-status': ({ version: v }: { version: number }) => never(v),
      'models:int8-set': ({ version: v, on: want }: { version: number; on: boolean }) => {
        on = want
        return want
          ? { version: v, int8: true, check: check(0.9, 0.9, true), refusal: null, calibrationImages: 64, checkedAt: '2026-12-02T03:00:00Z' }
          : { ...never(v), check: check(0.9, 0.9, true), checkedAt: '2026-12-02T03:00:00Z' }
      }
    })
    await wrapper.get('[data-testid="int8-on"]').trigger('click')
    await flushPromises()
    expect(fake.calls.find((c) => c.channel === 'models:int8-set')?.payload).toEqual({ version: 3, on: true })
    expect(on).toBe(true)
    expect(wrapper.get('[data-testid="int8-state"]').text()).toContain('INT8')
    expect(wrapper.get('[data-testid="int8-fp32"]').text()).toBe('90.0%')
    expect(wrapper.get('[data-testid="int8-int8"]').text()).toBe('90.0%')
    expect(wrapper.get('[data-testid="int8-note"]').text()).toContain('INT8 is on for v3')
    expect(wrapper.find('[data-testid="int8-refused"]').exists()).toBe(false)

    await wrapper.get('[data-testid="int8-off"]').trigger('click')
    await flushPromises()
    expect(fake.calls.filter((c) => c.channel === 'models:int8-set').at(-1)?.payload).toEqual({ version: 3, on: false })
    expect(on).toBe(false)
    expect(wrapper.get('[data-testid="int8-state"]').text()).toContain('fp32')
    expect(wrapper.find('[data-testid="int8-on"]').exists()).toBe(true)
  })

  it('shows the refusal with both accuracies, in the screen language, and keeps fp32', async () => {
    const refused = (v: number): Int8StateDto => ({
      version: v, int8: false, check: check(1, 0.95, false), refusal: { code: 'accuracy', message: 'INT8 refused for model version 2: …' }, calibrationImages: 64, checkedAt: '2026-12-02T03:00:00Z'
    })
    const { wrapper } = await mountModels({
      'models:int8-status': ({ version: v }: { version: number }) => (v === 2 ? refused(2) : never(v)),
      'models:int8-set': ({ version: v }: { version: number }) => refused(v)
    })
    await wrapper.get('[data-testid="int8-version"]').setValue('2')
    await flushPromises()
    const banner = wrapper.get('[data-testid="int8-refused"]').text()
    expect(banner).toContain('INT8 refused for v2')
    expect(banner).toContain('loses 5.0 points')
    expect(banner).toContain('95.0% vs 100.0% on 40 validation images')
    expect(wrapper.get('[data-testid="int8-lost"]').text()).toBe('5.0 points')
    expect(wrapper.get('[data-testid="int8-state"]').text()).toContain('fp32')

    // The app's i18n instance (tests/renderer/setup-i18n.ts), switched to Chinese.
    const i18n = config.global.plugins.find((p) => typeof p === 'object' && p !== null && 'global' in p) as unknown as I18n<{}, {}, {}, string, false>
    i18n.global.locale.value = 'zh-CN'
    await flushPromises()
    try {
      expect(wrapper.get('[data-testid="int8-refused"]').text()).toContain('超过允许的 0.5 个百分点')
      expect(wrapper.get('[data-testid="int8-refused"]').text()).toContain('95.0% 对 100.0%')
    } finally {
      i18n.global.locale.value = 'en'
    }
  })

  it('names a version without weights as the reason, and shows server errors', async () => {
    const { wrapper } = await mountModels({
      'models:int8-status': ({ version: v }: { version: number }) => never(v),
      'models:int8-set': ({ version: v }: { version: number }) => ({ ...never(v), refusal: { code: 'no-weights', message: 'x' } })
    })
    await wrapper.get('[data-testid="int8-on"]').trigger('click')
    await flushPromises()
    expect(wrapper.get('[data-testid="int8-refused"]').text()).toContain('no trained weights')
  })
})
