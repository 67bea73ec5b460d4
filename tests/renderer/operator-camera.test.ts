import { flushPromises } from '@vue/test-utils'
import { describe, expect, it, vi } from 'vitest'
import InspectView from '../../renderer/src/views/InspectView.vue'
import OperatorView from '../../renderer/src/views/OperatorView.vue'
import { useOperatorModeStore } from '../../renderer/src/stores/operator-mode'
import { DEFAULT_INSPECTION_SETTINGS, type InspectionStatus } from '../../shared/contract/index'
import { inspectionStatusFixture, mountWithProject } from './helpers'

// happy-dom has no canvas stream: the Demo camera hands out a stand-in stream, and the test sees it started.
const demo = vi.hoisted(() => ({ started: 0, restarted: 0 }))
vi.mock('../../renderer/src/components/inspection/demo-camera', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../renderer/src/components/inspection/demo-camera')>()
  return {
    ...actual,
    startDemoCamera: () => {
      demo.started++
      return { stream: { getVideoTracks: () => [], getTracks: () => [] }, restart: () => demo.restarted++, stop: () => undefined }
    }
  }
})

// …and a <video> that takes it (happy-dom's accepts only its own MediaStream).
Object.defineProperty(HTMLMediaElement.prototype, 'srcObject', { configurable: true, get: () => null, set: () => undefined })

const DEMO_ID = 'defect-studio-demo-camera'
// A line with a good class that is not called "ok", on triggered inspection.
function inspectionStatus(over: Partial<InspectionStatus> = {}): InspectionStatus {
  return inspectionStatusFixture({
    models: { classifier: { version: 3, classes: ['free', 'scratch'], goodClass: 'free', threshold: 0.6, size: 64, fit: 'whole' }, anomaly: null },
    settings: { ...DEFAULT_INSPECTION_SETTINGS, triggerMode: 'trigger' },
    ...over
  })
}

async function mountView(component: unknown) {
  const started: string[] = []
  const { wrapper } = await mountWithProject(component, {
    'inspection:status': () => inspectionStatus(),
    'inspection:start': (p: { source: string }) => {
      started.push(p.source)
      return inspectionStatus({ state: 'running', source: { kind: 'camera' } })
    }
  })
  return { wrapper, started }
}

describe('line view camera picker', () => {
  it('offers the Demo camera, shares the Inspect screen\'s choice, and starts the session on it', async () => {
    // Chosen on the Inspect screen…
    const inspect = await mountView(InspectView)
    const inspectSelect = inspect.wrapper.get('[data-testid="inspect-camera-select"]')
    expect(inspectSelect.findAll('option').map((o) => o.text())).toContain('Demo camera (generated parts)')
    await inspectSelect.setValue(DEMO_ID)
    inspect.wrapper.unmount()

    // …the line view shows the same camera and can change it.
    const { wrapper, started } = await mountView(OperatorView)
    const select = wrapper.get('[data-testid="operator-camera-select"]')
    expect((select.element as HTMLSelectElement).value).toBe(DEMO_ID)
    expect(select.findAll('option').map((o) => o.text())).toEqual(['Default camera', 'Demo camera (generated parts)'])
    expect(wrapper.find('[data-testid="operator-resolution"]').exists()).toBe(true)

    await wrapper.get('[data-testid="operator-start"]').trigger('click')
    await flushPromises()
    wrapper.get('[data-testid="operator-video"]').element.dispatchEvent(new Event('loadeddata'))
    await flushPromises()
    expect(demo.started).toBe(1)
    expect(started).toEqual(['camera'])
    expect(demo.restarted).toBe(1) // the belt starts empty as the session starts
    wrapper.unmount()
  })

  it('in operator mode the camera is shown but cannot be changed', async () => {
    const { wrapper } = await mountView(OperatorView)
    useOperatorModeStore().setLocked(true)
    await flushPromises()
    expect(wrapper.get('[data-testid="operator-camera-select"]').attributes('disabled')).toBeDefined()
    expect(wrapper.get('[data-testid="operator-resolution"]').attributes('disabled')).toBeDefined()
    useOperatorModeStore().setLocked(false)
    await flushPromises()
    expect(wrapper.get('[data-testid="operator-camera-select"]').attributes('disabled')).toBeUndefined()
    wrapper.unmount()
  })
})
