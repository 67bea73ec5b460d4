import type { Router } from '../router'
import type { ProjectStore } from '../../store/project-store'
import { inspectionHandlers } from '../handlers/inspection'
import { lineHandlers } from '../handlers/line'
import { InspectionManager, type InspectionManagerOptions } from './manager'

/**
 * One call for the composition root (app-services.ts):
 *
 *   const inspection = wireInspection({ router, emit, currentProject: () => projects.currentOrNull(), onProjectChange: (l) => projects.onChange(l) })
 *   ...  media('inspection', id) -> inspection.media(Number(id));  close() -> await inspection.close()
 */
export function wireInspection(deps: {
  router: Router
  emit: (event: string, payload: unknown) => void
  currentProject: () => ProjectStore | null
  onProjectChange?: (listener: () => void) => () => void
  engineFactory?: InspectionManagerOptions['engineFactory']
}): { manager: InspectionManager; media(id: number): Promise<{ bytes: Uint8Array; contentType: string } | null>; close(): Promise<void> } {
  const manager = new InspectionManager({ currentProject: deps.currentProject, emit: deps.emit, engineFactory: deps.engineFactory })
  deps.router.register(inspectionHandlers({ manager }))
  deps.router.register(lineHandlers({ manager }))
  const off = deps.onProjectChange?.(() => void manager.projectChanged())
  return {
    manager,
    async media(id) {
      if (!deps.currentProject()) return null
      const img = (await manager.current()).history.image(id)
      return img ? { bytes: img.bytes, contentType: img.mime } : null
    },
    async close() {
      off?.()
      await manager.close()
    }
  }
}
