import { watch } from 'vue'
import { useAppStatusStore } from './app-status'

/**
 * Call inside a setup store: `reset` runs whenever the open project changes (another
 * project opened, or the project closed), before the screens reload. Everything a store
 * keeps about one project (filters, results, selections, reports) belongs to that project
 * and must never show under another one's name.
 */
export function resetOnProjectSwitch(reset: () => void): void {
  const appStatus = useAppStatusStore()
  watch(
    () => appStatus.project?.path ?? null,
    (now, before) => {
      if (now !== before) reset()
    },
    // 'sync': reset before any screen's watcher starts reloading for the new project.
    { flush: 'sync' }
  )
}
