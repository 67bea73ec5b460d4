import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { BackboneInfoDto } from '../../../shared/contract/engine'
import type { EventPayloadOf, PayloadOf, ResultOf } from '../../../shared/contract/index'
import { useApi } from '../api/index'

/** The pretrained backbone the engine trains from: what it is now, download, import. */
export const useWeightsStore = defineStore('weights', () => {
  const api = useApi()
  const current = ref<BackboneInfoDto | null>(null)

  async function load(): Promise<void> {
    const info = await api.call('engine:info', {})
    if (info.ok) current.value = info.value.weights
  }

  /** Download progress events; returns the unsubscribe. */
  function onProgress(listener: (p: EventPayloadOf<'engine:weights-progress'>) => void): () => void {
    return api.on('engine:weights-progress', listener)
  }

  /** Throws ApiError with the reason (offline, wrong size, SHA-256 mismatch). */
  function download(payload: PayloadOf<'engine:weights-download'>): Promise<ResultOf<'engine:weights-download'>> {
    return api.request('engine:weights-download', payload)
  }

  function importFile(payload: PayloadOf<'engine:weights-import'>): Promise<ResultOf<'engine:weights-import'>> {
    return api.request('engine:weights-import', payload)
  }

  return { current, load, onProgress, download, importFile }
})
