import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { ProjectSummary, RecentProject } from '../../../shared/contract/projects'
import { errorMessage, useApi } from '../api/index'
import { useAppStatusStore } from './app-status'

/**
 * The open project (one at a time), the recent list, and per-project settings. Opening or
 * creating refreshes the status bar, whose `project` the screens read.
 */
export const useProjectsStore = defineStore('projects', () => {
  const api = useApi()
  const current = ref<ProjectSummary | null>(null)
  const recent = ref<RecentProject[]>([])
  const settings = ref<Record<string, unknown>>({})
  const busy = ref(false)
  const error = ref<string | null>(null)

  async function load(): Promise<void> {
    try {
      const [cur, rec] = await Promise.all([api.request('projects:current', {}), api.request('projects:recent', {})])
      current.value = cur
      recent.value = rec
      settings.value = cur ? await api.request('projects:settings-get', {}) : {}
      error.value = null
    } catch (e) {
      error.value = errorMessage(e)
    }
  }

  async function run(action: () => Promise<ProjectSummary | null>): Promise<boolean> {
    busy.value = true
    error.value = null
    try {
      current.value = await action()
      settings.value = current.value ? await api.request('projects:settings-get', {}) : {}
      recent.value = await api.request('projects:recent', {})
      await useAppStatusStore().load()
      return true
    } catch (e) {
      error.value = errorMessage(e)
      return false
    } finally {
      busy.value = false
    }
  }

  const create = (path: string) => run(() => api.request('projects:create', { path }))
  const open = (path: string) => run(() => api.request('projects:open', { path }))
  /**
   * The sample project from generated parts (`projects:create-demo`): opened, its quick
   * training started. Resolves with that run's id (null: none started), or false on failure.
   */
  async function createDemo(): Promise<number | null | false> {
    let runId: number | null = null
    const ok = await run(async () => {
      const report = await api.request('projects:create-demo', {})
      runId = report.runId
      return report.project
    })
    return ok ? runId : false
  }
  const close = () =>
    run(async () => {
      await api.request('projects:close', {})
      return null
    })

  /** Save one setting of the open project (e.g. 'training.advanced'); returns false with `error` set on failure. */
  async function saveSetting(key: string, value: unknown): Promise<boolean> {
    try {
      settings.value = await api.request('projects:settings-set', { key, value })
      return true
    } catch (e) {
      error.value = errorMessage(e)
      return false
    }
  }

  /** Mark a class as the good one (at most one is); the summary is reloaded. */
  async function setGoodClass(id: number): Promise<void> {
    try {
      await api.request('classes:update', { id, isGood: true })
      await load()
    } catch (e) {
      error.value = errorMessage(e)
    }
  }

  return { current, recent, settings, busy, error, load, create, createDemo, open, close, saveSetting, setGoodClass }
})
