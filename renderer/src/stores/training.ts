import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type {
  TrainingDonePayload,
  TrainingEpochDto,
  TrainingProgressPayload,
  TrainingState,
  TrainRequest
} from '../../../shared/contract/training'
import { errorMessage, useApi } from '../api/index'
import { serverMessage } from '../i18n/errors'
import { resetOnProjectSwitch } from './project-scope'

/** One point of the live step curve: x in epochs (1.5 = halfway through epoch 2). */
export interface StepPoint {
  x: number
  loss: number
  accuracy: number
}

export type TrainMode = 'quick' | 'full'
export type AdvancedTrainSettings = Omit<TrainRequest, 'mode' | 'resume'>

/**
 * The training screen's state. Everything here can be rebuilt from the services after a
 * reload ('training:status' for the live run, 'training:runs' for its epochs), so reloading
 * the window mid-training brings progress and curves back.
 */
export const useTrainingStore = defineStore('training', () => {
  const api = useApi()
  const state = ref<TrainingState>('idle')
  const runId = ref<number | null>(null)
  const progress = ref<TrainingProgressPayload | null>(null)
  const steps = ref<StepPoint[]>([])
  const epochs = ref<TrainingEpochDto[]>([])
  const last = ref<TrainingDonePayload | null>(null)
  const error = ref<string | null>(null)
  const loading = ref(false)
  /** The project whose run holds the trainer while this one is open (its run is not shown here). */
  const busyElsewhere = ref<string | null>(null)
  let unsubscribers: Array<() => void> = []

  async function load(): Promise<void> {
    loading.value = true
    try {
      const status = await api.request('training:status', {})
      state.value = status.state
      runId.value = status.runId
      progress.value = status.progress
      last.value = status.last
      busyElsewhere.value = status.busyElsewhere?.projectPath ?? null
      const runs = await api.request('training:runs', {})
      // The run to show: the live one, else the newest.
      const run = runs.find((r) => r.id === status.runId) ?? runs[0] ?? null
      epochs.value = run ? [...run.epochs] : []
      if (run && runId.value === null) runId.value = run.id
      error.value = null
    } catch (e) {
      error.value = errorMessage(e)
    } finally {
      loading.value = false
    }
  }

  function subscribe(): void {
    if (unsubscribers.length) return
    unsubscribers = [
      api.on('training:progress', (p) => {
        if (runId.value !== p.runId) resetCurves(p.runId)
        state.value = state.value === 'stopping' ? 'stopping' : 'training'
        progress.value = p
        steps.value.push({ x: p.epoch - 1 + p.step / Math.max(1, p.stepsPerEpoch), loss: p.loss, accuracy: p.accuracy })
      }),
      api.on('training:epoch', (e) => {
        if (runId.value !== e.runId) resetCurves(e.runId)
        const { runId: _run, ...record } = e
        epochs.value = [...epochs.value.filter((x) => x.epoch !== record.epoch), record]
      }),
      api.on('training:done', (d) => {
        last.value = d
        state.value = d.status === 'failed' ? 'error' : 'done'
        if (d.status === 'failed') error.value = serverMessage(d.reason, 'failed')
      })
    ]
  }

  function unsubscribe(): void {
    for (const off of unsubscribers) off()
    unsubscribers = []
  }

  function resetCurves(id: number): void {
    runId.value = id
    steps.value = []
    epochs.value = []
  }

  async function start(mode: TrainMode, settings: AdvancedTrainSettings = {}): Promise<boolean> {
    error.value = null
    try {
      const started = await api.request('training:start', { mode, ...settings })
      last.value = null
      progress.value = null
      if (started.runId !== null) resetCurves(started.runId)
      state.value = 'training'
      return true
    } catch (e) {
      error.value = errorMessage(e)
      return false
    }
  }

  async function cancel(): Promise<void> {
    state.value = 'stopping'
    try {
      await api.request('training:cancel', {})
    } catch (e) {
      error.value = errorMessage(e)
    }
  }

  /** Another project: its runs, curves and results are not this one's. */
  function reset(): void {
    state.value = 'idle'
    runId.value = null
    progress.value = null
    steps.value = []
    epochs.value = []
    last.value = null
    error.value = null
    busyElsewhere.value = null
  }
  resetOnProjectSwitch(reset)

  const busy = computed(() => state.value === 'training' || state.value === 'stopping')

  return { state, runId, progress, steps, epochs, last, error, loading, busy, busyElsewhere, load, subscribe, unsubscribe, start, cancel, reset }
})
