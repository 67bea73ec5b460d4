import { createPinia, setActivePinia } from 'pinia'
import { flushPromises, mount } from '@vue/test-utils'
import { createMemoryHistory, createRouter } from 'vue-router'
import type { Component } from 'vue'
import TrainView from '../../renderer/src/views/TrainView.vue'
import { DEFAULT_INSPECTION_SETTINGS, type AppStatus, type InspectionStatus } from '../../shared/contract/index'
import { API_KEY, createApiClient } from '../../renderer/src/api/index'
import { createFakeTransport, type FakeHandler, type FakeTransport } from '../../renderer/src/api/fake-transport'

/** A status as the real 'app:status' handler returns it with no project and no model. */
export function statusFixture(overrides: Partial<AppStatus> = {}): AppStatus {
  return {
    version: '0.1.0',
    mode: 'browser',
    project: null,
    engine: {
      state: 'ready',
      provider: 'cpu',
      providerReason: 'CPU: no GPU provider configured',
      activeModel: null,
      weights: { source: 'random', warning: 'No ImageNet weights yet: training starts from random initialisation.' }
    },
    ...overrides
  }
}

/** Mount options wiring a fake transport and a fresh Pinia, as main.ts wires the real ones. */
export function withFakeApi(handlers: Record<string, FakeHandler> = {}): {
  fake: FakeTransport
  global: { plugins: [ReturnType<typeof createPinia>]; provide: Record<symbol, unknown> }
} {
  const fake = createFakeTransport({ 'app:status': () => statusFixture(), ...handlers })
  const pinia = createPinia()
  setActivePinia(pinia)
  return { fake, global: { plugins: [pinia], provide: { [API_KEY as symbol]: createApiClient(fake) } } }
}

/**
 * The training screen with a project open, on a fake transport answering the channels it
 * loads; `handlers` add or override channels, `stubs` replace charts (happy-dom has no canvas).
 */
export async function mountTrainView(handlers: Record<string, FakeHandler> = {}, stubs: Record<string, Component | object> = {}) {
  const { fake, global } = withFakeApi({
    'app:status': () => statusFixture({ project: { path: '/p/a.dsproj', name: 'a' } }),
    'training:status': () => ({ state: 'idle', runId: null, progress: null, last: null }),
    'training:runs': () => [],
    'models:list': () => [],
    'projects:current': () => ({ path: '/p/a.dsproj', name: 'a', images: 0, classes: [] }),
    'projects:recent': () => [],
    'projects:settings-get': () => ({}),
    'anomaly:status': () => ({ state: 'idle', last: null }),
    ...handlers
  })
  const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/:p(.*)*', component: { template: '<div />' } }] })
  const wrapper = mount(TrainView, { global: { ...global, plugins: [...global.plugins, router], stubs } })
  // The view reads the open project from the status store, as in the app.
  const { useAppStatusStore } = await import('../../renderer/src/stores/app-status')
  await useAppStatusStore().load()
  await flushPromises()
  return { wrapper, fake, router }
}

/** The app mounts every view under vue-router (views read `useRoute()`); tests mount them the same way. */
export function withTestRouter<G extends { plugins: unknown[] }>(global: G): G {
  const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/:p(.*)*', component: { template: '<div />' } }] })
  return { ...global, plugins: [...global.plugins, router] }
}

/**
 * A view with a project open, mounted as the app shows it: under vue-router, on a fake
 * transport (`handlers` add or override channels), after the status store has loaded.
 */
export async function mountWithProject(component: unknown, handlers: Record<string, FakeHandler> = {}, project = { path: '/p/line.dsproj', name: 'line' }) {
  const { fake, global } = withFakeApi({ 'app:status': () => statusFixture({ project }), ...handlers })
  const wrapper = mount(component as never, { global: withTestRouter(global), attachTo: document.body })
  const { useAppStatusStore } = await import('../../renderer/src/stores/app-status')
  await useAppStatusStore().load()
  await flushPromises()
  return { fake, wrapper }
}

/** An idle inspection status as 'inspection:status' returns it: classifier v3 (ok / scratch), no anomaly model. */
export function inspectionStatusFixture(over: Partial<InspectionStatus> = {}): InspectionStatus {
  return {
    state: 'idle',
    source: null,
    stats: { inspected: 0, passed: 0, failed: 0, noVerdict: 0, failRate: 0, dropped: 0, fps: 0, latencyP50: 0, latencyP95: 0, watchdogRestarts: 0 },
    models: { classifier: { version: 3, classes: ['ok', 'scratch'], goodClass: 'ok', threshold: 0.6, size: 224, fit: 'whole' }, anomaly: null },
    settings: DEFAULT_INSPECTION_SETTINGS,
    actor: 'anna',
    triggerUrl: null,
    lastFailures: [],
    ...over
  }
}
