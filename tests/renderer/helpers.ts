import { createPinia, setActivePinia } from 'pinia'
import type { AppStatus } from '../../shared/contract/index'
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
