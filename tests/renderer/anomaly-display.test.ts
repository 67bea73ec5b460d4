import { flushPromises, mount } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'
import InspectView from '../../renderer/src/views/InspectView.vue'
import OperatorVerdict from '../../renderer/src/components/operator/OperatorVerdict.vue'
import { heatmapRgba, HEATMAP_FLOOR } from '../../renderer/src/components/inspection/heatmap-colours'
import { useAppStatusStore } from '../../renderer/src/stores/app-status'
import { DEFAULT_INSPECTION_SETTINGS, type InspectionRecord, type InspectionStatus } from '../../shared/contract/index'
import { statusFixture, withFakeApi, withTestRouter } from './helpers'

/**
 * Issue 11 item 9: an anomaly-only model's verdict reads like the classifier's: its score
 * against the reject threshold (not "371.8 %"), its model version (not "v–"), no classifier
 * threshold slider, and a heatmap that is transparent where the score is low.
 */
const stats = { inspected: 1, passed: 0, failed: 1, noVerdict: 0, failRate: 1, dropped: 0, fps: 0, latencyP50: 0, latencyP95: 0, watchdogRestarts: 0 }
const status: InspectionStatus = {
  state: 'running',
  source: { kind: 'file' },
  stats,
  models: { classifier: null, anomaly: { version: 2, threshold: 1.25, size: 64, fit: 'whole' } },
  settings: DEFAULT_INSPECTION_SETTINGS,
  actor: 'anna',
  triggerUrl: null,
  lastFailures: []
}
// What the pipeline records for an anomaly-only FAIL: confidence = the raw score, threshold = the anomaly model's.
const record: InspectionRecord = {
  id: 3, time: '2026-12-01T10:00:00.000Z', source: 'file', file: 'tall.png', partId: 'P-000003', actor: 'anna', modelVersion: null,
  anomalyModelVersion: 2, verdict: 'FAIL', className: 'anomaly', confidence: 4.6475, scores: { anomaly: 4.6475 },
  threshold: 1.25, region: null, latencyMs: 30, reason: null, imageKept: true, override: null
}

describe('anomaly inspection display', () => {
  it('shows the score relative to the threshold and the anomaly model version; no classifier slider', async () => {
    const { fake, global } = withFakeApi({ 'app:status': () => statusFixture({ project: { path: '/p/a.dsproj', name: 'a' } }), 'inspection:status': () => status })
    const wrapper = mount(InspectView as never, { global: withTestRouter(global), attachTo: document.body })
    await useAppStatusStore().load()
    await flushPromises()
    fake.emit('inspection:result', { record, heatmap: null })
    await flushPromises()
    const verdict = wrapper.get('[data-testid="inspect-verdict"]')
    expect(verdict.text()).not.toContain('%')
    expect(wrapper.get('[data-testid="inspect-verdict-anomaly"]').text()).toContain('3.72× threshold')
    expect(verdict.text()).toContain('model anomaly v2')
    expect(verdict.text()).not.toContain('v–')
    expect(wrapper.find('[data-testid="inspect-threshold"]').exists()).toBe(false)
    expect(wrapper.get('[data-testid="inspect-anomaly-model"]').text()).toContain('v2')
    wrapper.unmount()
  })

  it('the operator view shows the same relative score', () => {
    const wrapper = mount(OperatorVerdict, { props: { record, waiting: '', anomalyThreshold: 1.25 } })
    expect(wrapper.get('[data-testid="operator-verdict-score"]').text()).toBe('3.72× threshold')
  })

  it('heatmap colours are transparent below the floor and opaque red at the threshold', () => {
    const rgba = heatmapRgba(Uint8Array.from([0, 77, Math.floor(HEATMAP_FLOOR * 255), 191, 255]), 255)
    expect([rgba[3], rgba[7], rgba[11]]).toEqual([0, 0, 0])
    expect(rgba[15]).toBeGreaterThan(0)
    expect([...rgba.slice(16, 20)]).toEqual([255, 0, 0, 200])
    // The pipeline's byte maps (0..255) and 0..1 values give the same colours.
    expect([...heatmapRgba([191 / 255], 1)]).toEqual([...rgba.slice(12, 16)])
  })
})
