import { computed, onBeforeUnmount, ref } from 'vue'
import type {
  FrameOutcome,
  InspectionHeatmap,
  InspectionRecord,
  InspectionSettings,
  InspectionStats,
  InspectionStatus
} from '../../../../shared/contract/index'
import { errorMessage, useApi } from '../../api/index'

/**
 * The Inspect screen's state: status from the main process, the latest verdict with its
 * heatmap, counters, the last failures and announcements (model swaps, incidents), kept
 * fresh by events. Every verdict shown here came back from the engine; nothing is made up.
 */
export function useInspectionSession() {
  const api = useApi()
  const status = ref<InspectionStatus | null>(null)
  const latest = ref<{ record: InspectionRecord; heatmap: InspectionHeatmap | null } | null>(null)
  const announcement = ref<string | null>(null)
  const incidents = ref<Array<{ kind: string; detail: string }>>([])
  const error = ref<string | null>(null)
  const inFlight = ref(0)
  const unsubscribers: Array<() => void> = []

  const stats = computed<InspectionStats | null>(() => status.value?.stats ?? null)
  const running = computed(() => status.value?.state === 'running')

  function subscribe(): void {
    if (unsubscribers.length) return
    unsubscribers.push(
      api.on('inspection:result', (p) => {
        latest.value = p
        if (status.value && p.record.verdict !== 'PASS') {
          status.value = { ...status.value, lastFailures: [p.record, ...status.value.lastFailures].slice(0, 12) }
        }
      }),
      api.on('inspection:stats', (s) => {
        if (status.value) status.value = { ...status.value, stats: s }
      }),
      api.on('inspection:model-swap', (s) => {
        announcement.value = `Model changed between frames: ${s.kind} v${s.from ?? '–'} → v${s.to ?? 'none'}`
        void load()
      }),
      api.on('inspection:incident', (i) => {
        incidents.value = [i, ...incidents.value].slice(0, 5)
      })
    )
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

  async function start(source: 'camera' | 'hot-folder' | 'file', folder?: string): Promise<boolean> {
    const s = await guard(() => api.request('inspection:start', { source, ...(folder ? { folder } : {}) }))
    if (s) status.value = s
    return s !== null
  }

  async function stop(): Promise<void> {
    const s = await guard(() => api.request('inspection:stop', {}))
    if (s) status.value = s
  }

  async function setPaused(paused: boolean): Promise<void> {
    const s = await guard(() => api.request('inspection:pause', { paused }))
    if (s) status.value = s
  }

  async function updateSettings(patch: Partial<InspectionSettings>): Promise<void> {
    const settings = await guard(() => api.request('inspection:settings', patch))
    if (settings && status.value) status.value = { ...status.value, settings }
    if (settings && 'thresholdOverride' in patch) await load()
  }

  /** Send one frame; resolves with its outcome (or null on a transport error). */
  async function sendFrame(frame: { image: string; capturedAt: number; triggered?: boolean; partId?: string; source?: 'camera' | 'file'; file?: string; cameraLost?: boolean }): Promise<FrameOutcome | null> {
    inFlight.value++
    try {
      const outcome = await guard(() => api.request('inspection:frame', { source: 'camera', ...frame }))
      if (outcome && !outcome.dropped) latest.value = { record: outcome.record, heatmap: outcome.heatmap }
      return outcome
    } finally {
      inFlight.value--
    }
  }

  onBeforeUnmount(() => {
    for (const u of unsubscribers.splice(0)) u()
  })

  return { status, stats, running, latest, announcement, incidents, error, inFlight, subscribe, load, start, stop, setPaused, updateSettings, sendFrame }
}

export type InspectionSession = ReturnType<typeof useInspectionSession>
