import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { PathKind, PathListingDto } from '../../../shared/contract/paths'
import { errorMessage, useApi } from '../api/index'
import { useAppStatusStore } from './app-status'

/**
 * Choosing a file or folder on the screens. Electron: the native dialog ('paths:pick').
 * Browser mode: a folder list served from the allowed roots ('paths:list'); the screen
 * shows it (PathPicker.vue) and the choice is checked again by the call that uses it.
 */
export const usePathPickerStore = defineStore('path-picker', () => {
  const api = useApi()
  const appStatus = useAppStatusStore()
  const listing = ref<PathListingDto | null>(null)
  const loading = ref(false)
  const error = ref<string | null>(null)

  /** True when this window can show the native dialog (Electron). */
  function native(): boolean {
    return appStatus.status?.mode === 'electron'
  }

  /** The native dialog: the chosen path, or null when cancelled. */
  async function pickNative(kind: PathKind, opts: { save?: boolean; defaultName?: string } = {}): Promise<string | null> {
    error.value = null
    try {
      return (await api.request('paths:pick', { kind, ...opts })).path
    } catch (e) {
      error.value = errorMessage(e)
      return null
    }
  }

  /** Show a folder (or the roots when `path` is null) in the browser-mode list. */
  async function browse(path: string | null, kind: PathKind): Promise<void> {
    loading.value = true
    error.value = null
    try {
      listing.value = await api.request('paths:list', { kind, ...(path ? { path } : {}) })
    } catch (e) {
      error.value = errorMessage(e)
    } finally {
      loading.value = false
    }
  }

  function reset(): void {
    listing.value = null
    error.value = null
  }

  return { listing, loading, error, native, pickNative, browse, reset }
})
