import { flushPromises } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'
import InspectView from '../../renderer/src/views/InspectView.vue'
import HistoryView from '../../renderer/src/views/HistoryView.vue'
import type { InspectionRecord } from '../../shared/contract/index'
import { inspectionStatusFixture, mountWithProject } from './helpers'

const inspectionStatus = inspectionStatusFixture
const stats = inspectionStatusFixture().stats
function record(over: Partial<InspectionRecord> = {}): InspectionRecord {
  return {
    id: 7, time: '2026-11-28T10:00:00.000Z', source: 'camera', file: null, partId: 'P-000007', actor: 'anna', modelVersion: 3,
    anomalyModelVersion: null, verdict: 'FAIL', className: 'scratch', confidence: 0.83, scores: { ok: 0.17, scratch: 0.83 },
    threshold: 0.6, region: null, latencyMs: 41, reason: null, imageKept: true, override: null, ...over
  }
}


describe('Inspect screen', () => {
  it('shows the verdict, class and confidence the engine sent, the counters, and announces a model swap', async () => {
    const { fake, wrapper } = await mountWithProject(InspectView, {
      'inspection:status': () => inspectionStatus()
    })
    expect(wrapper.get('[data-testid="inspect-model"]').text()).toContain('model v3')
    expect(wrapper.find('[data-testid="inspect-verdict"]').exists()).toBe(false)
    fake.emit('inspection:result', { record: record(), heatmap: { width: 2, height: 2, values: new Uint8Array([0, 128, 255, 0]) } })
    fake.emit('inspection:stats', { ...stats, inspected: 4, passed: 3, failed: 1, failRate: 0.25, dropped: 2, fps: 3.5, latencyP50: 40, latencyP95: 55 })
    await flushPromises()
    const verdict = wrapper.get('[data-testid="inspect-verdict"]')
    expect(verdict.attributes('data-verdict')).toBe('FAIL')
    expect(verdict.text()).toContain('scratch')
    expect(verdict.text()).toContain('83.0%')
    expect(verdict.text()).toContain('model v3')
    expect(wrapper.get('[data-testid="count-inspected"]').text()).toBe('4')
    expect(wrapper.get('[data-testid="count-fail-rate"]').text()).toBe('25.0%')
    expect(wrapper.get('[data-testid="count-dropped"]').text()).toBe('2')
    expect(wrapper.get('[data-testid="inspect-failures"]').findAll('li').length).toBe(1)
    fake.emit('inspection:model-swap', { kind: 'classifier', from: 3, to: 4 })
    await flushPromises()
    expect(wrapper.get('[data-testid="inspect-model-swap"]').text()).toContain('v3 → v4')
    wrapper.unmount()
  })

  it('warns that every part is a reject when no model is active', async () => {
    const { wrapper } = await mountWithProject(InspectView, {
      'inspection:status': () => inspectionStatus({ models: { classifier: null, anomaly: null } })
    })
    expect(wrapper.get('[data-testid="inspect-no-model"]').text()).toContain('NO VERDICT')
    wrapper.unmount()
  })

  it('sends a dropped image to the engine as a triggered frame', async () => {
    const { fake, wrapper } = await mountWithProject(InspectView, {
      'inspection:status': () => inspectionStatus(),
      'inspection:start': () => inspectionStatus({ state: 'running', source: { kind: 'file' } }),
      'inspection:frame': () => ({ dropped: false, record: record({ verdict: 'PASS', className: 'ok', confidence: 0.9, source: 'file', file: 'a.png' }), heatmap: null })
    })
    await wrapper.get('[data-testid="inspect-source-file"]').setValue(true)
    const input = wrapper.get('[data-testid="inspect-file"]')
    const file = new File([new Uint8Array([137, 80, 78, 71])], 'a.png', { type: 'image/png' })
    Object.defineProperty(input.element, 'files', { value: [file] })
    await input.trigger('change')
    await flushPromises()
    await new Promise((r) => setTimeout(r, 20))
    await flushPromises()
    const frame = fake.calls.find((c) => c.channel === 'inspection:frame')!.payload as { triggered: boolean; source: string; file: string; image: Uint8Array }
    // The dropped file's bytes as they are (no base64 on the way).
    expect(frame).toMatchObject({ triggered: true, source: 'file', file: 'a.png' })
    expect(Array.from(frame.image)).toEqual([137, 80, 78, 71])
    expect(wrapper.get('[data-testid="inspect-verdict"]').attributes('data-verdict')).toBe('PASS')
    wrapper.unmount()
  })
})

describe('History screen', () => {
  it('lists inspections with their model version, filters, exports CSV and records an override', async () => {
    const rows = [record(), record({ id: 6, verdict: 'PASS', className: 'ok', modelVersion: 2, imageKept: false })]
    const { fake, wrapper } = await mountWithProject(HistoryView, {
      'history:list': () => ({ total: 2, rows }),
      'inspection:status': () => inspectionStatus(),
      'history:export-csv': () => ({ csv: 'id\r\n7\r\n', rows: 1 }),
      'history:override': () => ({ record: record({ override: { verdict: 'PASS', className: 'ok', actor: 'anna', time: 't' } }), imageId: 99 })
    })
    const listed = wrapper.findAll('[data-testid="history-row"]')
    expect(listed.map((r) => r.get('[data-testid="history-row-model"]').text())).toEqual(['v3', 'v2'])
    await wrapper.get('[data-testid="history-verdict"]').setValue('FAIL')
    await wrapper.get('[data-testid="history-filters"]').trigger('submit')
    await flushPromises()
    expect(fake.calls.filter((c) => c.channel === 'history:list').pop()!.payload).toMatchObject({ verdict: 'FAIL', offset: 0 })

    const urls: string[] = []
    URL.createObjectURL = () => (urls.push('blob:x'), 'blob:x')
    URL.revokeObjectURL = () => undefined
    await wrapper.get('[data-testid="history-export"]').trigger('click')
    await flushPromises()
    expect(fake.calls.some((c) => c.channel === 'history:export-csv')).toBe(true)
    expect(wrapper.get('[data-testid="history-notice"]').text()).toContain('Exported 1')

    await listed[0]!.trigger('click')
    await flushPromises()
    // The kept image is served by URL, not fetched through the API.
    expect(wrapper.get('[data-testid="history-image"]').attributes('src')).toBe('fake-image://inspection/7')
    expect(fake.calls.some((c) => c.channel === 'history:image')).toBe(false)
    await wrapper.get('[data-testid="history-override"]').trigger('click')
    await wrapper.get('[data-testid="history-override-verdict"]').setValue('PASS')
    await wrapper.get('[data-testid="history-override-class"]').setValue('ok')
    await wrapper.get('[data-testid="history-override-form"]').trigger('submit')
    await flushPromises()
    expect(fake.calls.find((c) => c.channel === 'history:override')!.payload).toEqual({ id: 7, verdict: 'PASS', className: 'ok' })
    expect(wrapper.get('[data-testid="history-notice"]').text()).toContain('labelling set as "ok"')
    wrapper.unmount()
  })
})
