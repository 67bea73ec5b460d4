import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import type { EventPayloadOf, FrameOutcome, InspectionRecord, InspectionSettings, InspectionStats, InspectionStatus, PayloadOf } from '../../../shared/contract/index'
import { errorMessage, useApi } from '../api/index'
import { translate } from '../i18n/index'
import { resetOnProjectSwitch } from './project-scope'
import { frameTrace, stamp } from '../components/inspection/frame-trace'

/** One frame as the screen sends it: the contract's payload, source limited to what a screen has. */
export type ScreenFrame = Omit<PayloadOf<'inspection:frame'>, 'source'> & { source?: 'camera' | 'file' }

/**
 * Failures shown in the strip, and how often it changes at most while failures flow: once a
 * second. At every 250 ms a line rejecting most parts loaded every failure's thumbnail
 * (~28 a second), which cost the browser ~6 CPU ms per verdict and the live view its tail
 * (bench:inspect-ui, classifier: electron/services/inspection/README.md, Frames); at once a
 * second at most 12 load a second, and an operator cannot read a strip faster anyway.
 */
const LAST_FAILURES = 12
export const FAILURES_EVERY_MS = 1000

/** The latest verdict on screen: exactly what the `inspection:result` event carries. */
export type LatestVerdict = EventPayloadOf<'inspection:result'>

/**
 * The Inspect screen's server state: status from the main process, the latest verdict with
 * its heatmap, counters, the last failures and announcements (model swaps, incidents), kept
 * fresh by events. Every verdict shown came back from the engine; nothing is made up.
 */
export const useInspectionStore = defineStore('inspection', () => {
  const api = useApi()
  const status = ref<InspectionStatus | null>(null)
  // Replaced whole, never changed inside: no deep proxies over records and heatmap bytes.
  const latest = shallowRef<LatestVerdict | null>(null)
  const announcement = ref<string | null>(null)
  const incidents = ref<Array<EventPayloadOf<'inspection:incident'>>>([])
  const error = ref<string | null>(null)
  const inFlight = ref(0)
  /** Frame requests sent and not yet answered (stop waits for them). */
  const pendingFrames = new Set<Promise<unknown>>()
  let subscribed = false

  const stats = computed<InspectionStats | null>(() => status.value?.stats ?? null)
  const settings = computed<InspectionSettings | null>(() => status.value?.settings ?? null)
  const models = computed(() => status.value?.models ?? null)
  const running = computed(() => status.value?.state === 'running')
  const active = computed(() => status.value?.state === 'running' || status.value?.state === 'paused')
  const paused = computed(() => status.value?.state === 'paused')

  /** Listen to the session's events (once per app: the store outlives the screen). */
  function subscribe(): void {
    if (subscribed) return
    subscribed = true
    api.on('inspection:result', (p) => {
      if (p.record.source === 'camera') stamp(frameTrace(Date.parse(p.record.time)), 'received')
      showLatest(p)
      if (p.record.verdict !== 'PASS') addFailure(p.record)
    })
    api.on('inspection:stats', (s) => {
      if (status.value) status.value.stats = s
    })
    api.on('inspection:model-swap', (s) => {
      announcement.value = translate('inspect.modelSwap', { kind: translate(`status.kind.${s.kind}`), from: s.from ?? '–', to: s.to ?? translate('common.none') })
      void load()
    })
    api.on('inspection:incident', (i) => {
      incidents.value = [i, ...incidents.value].slice(0, 5)
    })
  }

  /**
   * A verdict goes on screen at once (the next paint shows it); only when a second one
   * arrives before that paint is it held for the next animation frame, and then only the
   * newest of those is shown. Holding every verdict for an animation frame would show each
   * one a frame later than it could be, as the bench's stage "to-shown" measured. Where
   * there is no animation frame (tests without a window), at once.
   */
  let nextLatest: LatestVerdict | null = null
  /** A verdict was shown since the last animation frame (a frame callback is pending). */
  let shownThisFrame = false
  function showLatest(v: LatestVerdict): void {
    if (typeof requestAnimationFrame !== 'function') {
      latest.value = v
      return
    }
    if (shownThisFrame) {
      nextLatest = v
      return
    }
    show(v)
    shownThisFrame = true
    requestAnimationFrame(onAnimationFrame)
  }
  function onAnimationFrame(): void {
    shownThisFrame = false
    const held = nextLatest
    nextLatest = null
    if (held) showLatest(held)
  }
  function show(v: LatestVerdict): void {
    latest.value = v
    if (v.record.source === 'camera') stamp(frameTrace(Date.parse(v.record.time)), 'shown')
  }

  /**
   * The last failures strip: changed in place (only what shows the failures updates, not
   * everything that reads the status), and at most every FAILURES_EVERY_MS while failures
   * flow: each change loads the new thumbnails by URL, and a line rejecting 20 parts a
   * second would otherwise fetch and decode 20 images a second for a strip nobody reads at
   * that pace. The newest failures are never lost, only shown up to that much later (of
   * more than LAST_FAILURES in one interval, the strip shows the newest, as it always did).
   */
  let failuresWaiting: InspectionRecord[] = []
  let failuresTimer: ReturnType<typeof setTimeout> | null = null
  let failuresShownAt = 0
  function addFailure(record: InspectionRecord): void {
    failuresWaiting.unshift(record)
    if (failuresTimer) return
    const flush = (): void => {
      failuresTimer = null
      failuresShownAt = Date.now()
      const fresh = failuresWaiting
      failuresWaiting = []
      if (!status.value) return
      // A status loaded meanwhile (stop, pause) may hold some of them already.
      const seen = new Set<number>()
      status.value.lastFailures = [...fresh, ...status.value.lastFailures].filter((r) => !seen.has(r.id) && seen.add(r.id)).slice(0, LAST_FAILURES)
    }
    const wait = failuresShownAt + FAILURES_EVERY_MS - Date.now()
    if (wait <= 0) flush()
    else failuresTimer = setTimeout(flush, wait)
  }

  /** An external trigger (HTTP, PLC) asks the screen for one frame; returns the unsubscribe. */
  function onTrigger(listener: (p: EventPayloadOf<'inspection:trigger'>) => void): () => void {
    return api.on('inspection:trigger', listener)
  }

  async function guard<T>(fn: () => Promise<T>): Promise<T | null> {
    try {
      const v = await fn()
      error.value = null
      return v
    } catch (e) {
      error.value = errorMessage(e)
      return null
    }
  }

  async function load(): Promise<void> {
    const s = await guard(() => api.request('inspection:status', {}))
    if (s) status.value = s
  }

  async function start(source: PayloadOf<'inspection:start'>['source'], folder?: string): Promise<boolean> {
    const s = await guard(() => api.request('inspection:start', { source, ...(folder ? { folder } : {}) }))
    if (s) status.value = s
    return s !== null
  }

  async function stop(): Promise<void> {
    // Frames already sent still get their verdict (the services record them): wait for
    // them, so that once the session shows stopped its counters match the history.
    await Promise.allSettled([...pendingFrames])
    const s = await guard(() => api.request('inspection:stop', {}))
    if (s) status.value = s
  }

  async function setPaused(value: boolean): Promise<void> {
    const s = await guard(() => api.request('inspection:pause', { paused: value }))
    if (s) status.value = s
  }

  async function updateSettings(patch: Partial<InspectionSettings>): Promise<void> {
    const next = await guard(() => api.request('inspection:settings', patch))
    if (next && status.value) status.value = { ...status.value, settings: next }
    if (next && 'thresholdOverride' in patch) await load()
  }

  /** Send one frame; resolves with its outcome (or null on a transport error). */
  async function sendFrame(frame: ScreenFrame): Promise<FrameOutcome | null> {
    inFlight.value++
    const trace = frame.source !== 'file' ? frameTrace(frame.capturedAt) : undefined
    const pending = guard(() => api.request('inspection:frame', { source: 'camera', ...frame }))
    stamp(trace, 'sent')
    pendingFrames.add(pending)
    try {
      const outcome = await pending
      if (trace && outcome && !outcome.dropped) {
        stamp(trace, 'received')
        stamp(trace, 'replied')
        if (outcome.timing) trace.server = outcome.timing
      }
      // The result event of this frame usually arrived first (the server sends it before the
      // reply): showing the same verdict again would repaint the overlay for nothing, and an
      // older frame's late reply must not replace a newer verdict.
      const newest = nextLatest ?? latest.value
      if (outcome && !outcome.dropped && (!newest || outcome.record.id > newest.record.id)) showLatest({ record: outcome.record, heatmap: outcome.heatmap })
      return outcome
    } finally {
      pendingFrames.delete(pending)
      inFlight.value--
    }
  }

  /** The URL of an inspection's kept image (served by the media route, no bytes through the API). */
  function keptImage(id: number): string {
    return api.imageUrl(id, { kind: 'inspection' })
  }

  // Another project: the main process ended this project's session; forget its last
  // verdict and announcements.
  resetOnProjectSwitch(() => {
    latest.value = null
    nextLatest = null
    failuresWaiting = []
    announcement.value = null
    incidents.value = []
    error.value = null
  })

  return {
    status, stats, settings, models, running, active, paused, latest, announcement, incidents, error, inFlight,
    subscribe, onTrigger, load, start, stop, setPaused, updateSettings, sendFrame, keptImage
  }
})
