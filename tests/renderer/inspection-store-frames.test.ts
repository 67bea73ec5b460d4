import { describe, expect, it } from 'vitest'
import { createApp, watch } from 'vue'
import type { InspectionRecord } from '../../shared/contract/index'
import { FAILURES_EVERY_MS, useInspectionStore } from '../../renderer/src/stores/inspection'
import { withFakeApi } from './helpers'

/**
 * The live loop's store: each verdict reaches the screen once. The server pushes the
 * result event and then answers the frame request with the same record; the answer must
 * not repaint it, and an older frame's late answer must not replace a newer verdict.
 */
function record(id: number): InspectionRecord {
  return {
    id, time: new Date(1000 + id).toISOString(), source: 'camera', file: null, partId: `P-${id}`, actor: 'op', modelVersion: 1, anomalyModelVersion: null,
    verdict: 'PASS', className: 'ok', confidence: 0.9, scores: { ok: 0.9 }, threshold: 0.5, region: null, latencyMs: 10, reason: null, imageKept: false, override: null
  }
}

describe('inspection store, frames', () => {
  it('shows a verdict at once, of more within one animation frame only the newest, and never goes back to an older one', async () => {
    let answer = 0
    let lateReply: number | null = null
    const { fake, global } = withFakeApi({
      'inspection:status': () => null,
      'inspection:frame': () => {
        // A reply that arrives after newer verdicts (its event was shown long ago).
        if (lateReply !== null) return { dropped: false, record: record(lateReply), heatmap: null }
        const id = ++answer
        // As the server does: the event first, then the reply.
        fake.emit('inspection:result', { record: record(id), heatmap: null })
        return { dropped: false, record: record(id), heatmap: null }
      }
    })
    const app = createApp({})
    app.use(global.plugins[0])
    for (const key of Object.getOwnPropertySymbols(global.provide)) app.provide(key, global.provide[key])
    const store = app.runWithContext(() => useInspectionStore())
    store.subscribe()
    const shown: number[] = []
    const nextFrame = () => new Promise<void>((resolve) => requestAnimationFrame(() => resolve()))
    watch(() => store.latest, (v) => v && shown.push(v.record.id), { flush: 'sync' })
    await store.sendFrame({ image: new Uint8Array([1]), capturedAt: 1, triggered: false })
    await nextFrame()
    await store.sendFrame({ image: new Uint8Array([1]), capturedAt: 2, triggered: false })
    await nextFrame()
    expect(shown).toEqual([1, 2])
    // Three verdicts before the next paint: the first goes on screen at once (not held for
    // an animation frame), of the other two only the newest, at the next animation frame.
    fake.emit('inspection:result', { record: record(3), heatmap: null })
    fake.emit('inspection:result', { record: record(4), heatmap: null })
    fake.emit('inspection:result', { record: record(5), heatmap: null })
    expect(shown).toEqual([1, 2, 3])
    await nextFrame()
    expect(shown).toEqual([1, 2, 3, 5])
    // A late reply of an older frame after verdict 5 is on screen changes nothing.
    lateReply = 2
    await store.sendFrame({ image: new Uint8Array([1]), capturedAt: 3, triggered: false })
    await nextFrame()
    expect(store.latest!.record.id).toBe(5)
  })

  it('updates the failures strip at most once a second while failures flow, newest first, none lost or doubled', async () => {
    const fail = (id: number): InspectionRecord => ({ ...record(id), verdict: 'FAIL', className: 'scratch' })
    const { fake, global } = withFakeApi({
      'inspection:status': () => ({ state: 'running', source: { kind: 'camera' }, stats: null, models: { classifier: null, anomaly: null }, settings: {}, actor: 'op', triggerUrl: null, lastFailures: [] })
    })
    const app = createApp({})
    app.use(global.plugins[0])
    for (const key of Object.getOwnPropertySymbols(global.provide)) app.provide(key, global.provide[key])
    const store = app.runWithContext(() => useInspectionStore())
    store.subscribe()
    await store.load()
    let changes = 0
    watch(() => store.status?.lastFailures, () => changes++, { flush: 'sync' })
    for (let id = 1; id <= 5; id++) fake.emit('inspection:result', { record: fail(id), heatmap: null })
    // The first failure shows at once, the next four together, once, a second later (not before:
    // every change loads thumbnails).
    expect(store.status!.lastFailures.map((r) => r.id)).toEqual([1])
    await new Promise((r) => setTimeout(r, 700))
    expect(store.status!.lastFailures.map((r) => r.id)).toEqual([1])
    await new Promise((r) => setTimeout(r, FAILURES_EVERY_MS - 700 + 100))
    expect(store.status!.lastFailures.map((r) => r.id)).toEqual([5, 4, 3, 2, 1])
    expect(changes).toBe(2)
  })
})
