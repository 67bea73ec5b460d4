import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { LineSettings, LineStatus, PayloadOf } from '../../../shared/contract/index'
import { errorMessage, useApi } from '../api/index'
import { resetOnProjectSwitch } from './project-scope'

/**
 * The open project's line outputs (MQTT, PLC): their status, kept fresh by `line:changed`,
 * and their settings. The stored MQTT password never comes here; a patch without
 * `password` keeps it.
 */
export const useLineOutputsStore = defineStore('line-outputs', () => {
  const api = useApi()
  const status = ref<LineStatus | null>(null)
  const settings = ref<LineSettings | null>(null)
  const error = ref<string | null>(null)
  let offChanged: (() => void) | null = null

  resetOnProjectSwitch(() => {
    status.value = null
    settings.value = null
    error.value = null
  })

  /** Listen to status changes while a screen shows them; returns the unsubscribe. */
  function subscribe(): () => void {
    offChanged?.()
    const off = api.on('line:changed', (s) => (status.value = s))
    offChanged = off
    return () => {
      off()
      if (offChanged === off) offChanged = null
    }
  }

  async function load(): Promise<void> {
    error.value = null
    const [s, current] = await Promise.all([api.call('line:status', {}), api.call('line:settings', {})])
    if (s.ok) status.value = s.value
    else error.value = s.error.message
    if (current.ok) settings.value = current.value
    else error.value = current.error.message
  }

  /** Save a patch; true when saved (else `error` says why). */
  async function save(patch: PayloadOf<'line:settings'>): Promise<boolean> {
    error.value = null
    try {
      settings.value = await api.request('line:settings', patch)
      const s = await api.call('line:status', {})
      if (s.ok) status.value = s.value
      return true
    } catch (e) {
      error.value = errorMessage(e)
      return false
    }
  }

  return { status, settings, error, subscribe, load, save }
})
