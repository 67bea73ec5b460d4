import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { ModelVersionDto } from '../../../shared/contract/training'
import type { MisclassifiedItem } from '../../../shared/contract/images'
import type { PayloadOf, ResultOf } from '../../../shared/contract/index'
import { errorMessage, useApi } from '../api/index'
import { useAppStatusStore } from './app-status'
import { resetOnProjectSwitch } from './project-scope'

export type ModelComparison = {
  a: ModelVersionDto
  b: ModelVersionDto
  accuracyDelta: number
  defectRecallDelta: number | null
  sameClasses: boolean
}

/** Model versions of the open project: list, activate (also roll back), compare two. */
export const useModelsStore = defineStore('models', () => {
  const api = useApi()
  const versions = ref<ModelVersionDto[]>([])
  const error = ref<string | null>(null)
  const loading = ref(false)
  const activating = ref<number | null>(null)
  const comparison = ref<ModelComparison | null>(null)

  async function load(): Promise<void> {
    loading.value = true
    try {
      versions.value = await api.request('models:list', {})
      error.value = null
    } catch (e) {
      error.value = errorMessage(e)
    } finally {
      loading.value = false
    }
  }

  async function activate(version: number): Promise<boolean> {
    activating.value = version
    try {
      await api.request('models:activate', { version })
      await load()
      // The status bar shows the active model: refresh it.
      await useAppStatusStore().load()
      return true
    } catch (e) {
      error.value = errorMessage(e)
      return false
    } finally {
      activating.value = null
    }
  }

  async function compare(a: number, b: number): Promise<void> {
    try {
      comparison.value = await api.request('models:compare', { a, b })
      error.value = null
    } catch (e) {
      error.value = errorMessage(e)
    }
  }

  /** The validation images `version` gets wrong, most confident mistakes first (throws ApiError). */
  function misclassified(version: number): Promise<MisclassifiedItem[]> {
    return api.request('models:misclassified', { version })
  }

  /** Whether `version` inspects in INT8 and its last check (throws ApiError). */
  function int8Status(version: number): Promise<ResultOf<'models:int8-status'>> {
    return api.request('models:int8-status', { version })
  }

  /** Turn INT8 on (calibrate + check; the result says when it was refused) or off (throws ApiError). */
  function setInt8(version: number, on: boolean): Promise<ResultOf<'models:int8-set'>> {
    return api.request('models:int8-set', { version, on })
  }

  /** Write a version to a .dsmodel file (throws ApiError with the reason). */
  function exportPackage(payload: PayloadOf<'models:export-package'>): Promise<ResultOf<'models:export-package'>> {
    return api.request('models:export-package', payload)
  }

  /** Add a version from a .dsmodel file (throws ApiError with the reason). */
  function importPackage(payload: PayloadOf<'models:import-package'>): Promise<ResultOf<'models:import-package'>> {
    return api.request('models:import-package', payload)
  }

  resetOnProjectSwitch(() => {
    versions.value = []
    comparison.value = null
    error.value = null
  })

  const active = computed(() => versions.value.filter((v) => v.active))
  return { versions, error, loading, activating, comparison, active, load, activate, compare, misclassified, int8Status, setInt8, exportPackage, importPackage }
})
