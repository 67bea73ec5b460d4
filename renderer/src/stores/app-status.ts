import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { AppStatus } from '../../../shared/contract/index'
import { errorMessage, useApi } from '../api/index'

export type AppStatusState = 'loading' | 'ready' | 'error'

/**
 * Version, open project and engine state for the status bar. Loaded with 'app:status' and
 * kept fresh by the 'app:engine-status' event (worker restarts, provider fallback).
 */
export const useAppStatusStore = defineStore('app-status', () => {
  const api = useApi()
  const status = ref<AppStatus | null>(null)
  const state = ref<AppStatusState>('loading')
  const error = ref<string | null>(null)
  let unsubscribers: Array<() => void> = []

  async function load(): Promise<boolean> {
    try {
      status.value = await api.request('app:status', {})
      state.value = 'ready'
      error.value = null
      return true
    } catch (e) {
      state.value = 'error'
      error.value = errorMessage(e)
      return false
    }
  }

  /** Start listening to engine and project events; idempotent. */
  function watchEngine(): void {
    if (unsubscribers.length) return
    unsubscribers = [
      api.on('app:engine-status', (engine) => {
        if (!status.value) return
        status.value = { ...status.value, engine: { ...status.value.engine, ...engine } }
      }),
      // Opened, created or closed elsewhere (CLI --project, another window): the active
      // model and project name change with it.
      api.on('projects:changed', () => void load())
    ]
  }

  function stopWatching(): void {
    for (const off of unsubscribers) off()
    unsubscribers = []
  }

  const engine = computed(() => status.value?.engine ?? null)
  const project = computed(() => status.value?.project ?? null)

  return { status, state, error, engine, project, load, watchEngine, stopWatching }
})
