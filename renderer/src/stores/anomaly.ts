import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { AnomalyCalibrationDto, AnomalyDonePayload, AnomalyEvaluationDto } from '../../../shared/contract/anomaly'
import { errorMessage, useApi } from '../api/index'
import { resetOnProjectSwitch } from './project-scope'

export type AnomalyState = 'idle' | 'training' | 'done' | 'error'

/**
 * Anomaly mode on the training screen: fit from good images, progress, the threshold for
 * the false-reject rate the user asks for, and the ROC curve when defects are labelled.
 * State comes from the services ('anomaly:status'), so a reload mid-fit shows it again.
 */
export const useAnomalyStore = defineStore('anomaly', () => {
  const api = useApi()
  const state = ref<AnomalyState>('idle')
  const progress = ref<{ phase: string; done: number; total: number } | null>(null)
  const last = ref<AnomalyDonePayload | null>(null)
  const evaluation = ref<AnomalyEvaluationDto | null>(null)
  const calibration = ref<AnomalyCalibrationDto | null>(null)
  const error = ref<string | null>(null)
  let unsubscribers: Array<() => void> = []

  async function load(): Promise<void> {
    try {
      const status = await api.request('anomaly:status', {})
      state.value = status.state
      last.value = status.last
      calibration.value = status.last?.calibration ?? null
      error.value = null
    } catch (e) {
      error.value = errorMessage(e)
    }
  }

  function subscribe(): void {
    if (unsubscribers.length) return
    unsubscribers = [
      api.on('anomaly:progress', (p) => {
        state.value = 'training'
        progress.value = p
      }),
      api.on('anomaly:done', (d) => {
        state.value = d.status === 'done' ? 'done' : 'error'
        last.value = d
        calibration.value = d.calibration
        progress.value = null
        if (d.status === 'failed') error.value = d.reason
      })
    ]
  }

  function unsubscribe(): void {
    for (const off of unsubscribers) off()
    unsubscribers = []
  }

  async function train(options: { targetFrr: number; coresetFraction: number }): Promise<void> {
    error.value = null
    progress.value = null
    try {
      await api.request('anomaly:train', options)
      state.value = 'training'
    } catch (e) {
      error.value = errorMessage(e)
    }
  }

  async function recalibrate(version: number, targetFrr: number): Promise<void> {
    error.value = null
    try {
      calibration.value = await api.request('anomaly:recalibrate', { version, targetFrr })
    } catch (e) {
      error.value = errorMessage(e)
    }
  }

  async function evaluate(version?: number): Promise<void> {
    error.value = null
    try {
      evaluation.value = await api.request('anomaly:evaluate', version ? { version } : {})
    } catch (e) {
      error.value = errorMessage(e)
    }
  }

  /** Another project: its fit, threshold and ROC are not this one's. */
  function reset(): void {
    state.value = 'idle'
    progress.value = null
    last.value = null
    evaluation.value = null
    calibration.value = null
    error.value = null
  }
  resetOnProjectSwitch(reset)

  return { reset, state, progress, last, evaluation, calibration, error, load, subscribe, unsubscribe, train, recalibrate, evaluate }
})
