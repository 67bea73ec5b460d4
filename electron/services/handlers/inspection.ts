import type { HandlerMap } from '../router'
import { UserFacingError } from '../errors'
import { FileAccess } from '../file-access'
import type { InspectionManager } from '../inspection/manager'

/**
 * Inspection and History channels: validate (done by the router) -> service -> result.
 * Wire with `router.register(inspectionHandlers({ manager }))`, and call
 * `manager.projectChanged()` from ProjectService.onChange.
 */
export function inspectionHandlers(deps: { manager: InspectionManager; files?: FileAccess }): HandlerMap {
  const svc = () => deps.manager.current()
  const files = deps.files ?? new FileAccess(null)
  // The JSONL log is checked where it is set and again at start, since a stored setting may
  // predate this check or arrive through projects:settings-set.
  const checkJsonl = async (path: string | null | undefined) => {
    if (path) await files.fileToWrite(path, 'The JSONL log file')
  }
  return {
    'inspection:status': async () => (await svc()).status(),
    'inspection:start': async (p) => {
      const service = await svc()
      await checkJsonl(service.settings().jsonlPath)
      const folder = p.folder !== undefined ? await files.folderToRead(p.folder, 'The hot folder') : undefined
      return service.start({ source: p.source, ...(folder !== undefined ? { folder } : {}) })
    },
    'inspection:stop': async () => (await svc()).stop(),
    'inspection:pause': async (p) => (await svc()).pause(p.paused),
    'inspection:frame': async (p) => {
      const service = await svc()
      const image = Buffer.from(p.image.buffer, p.image.byteOffset, p.image.byteLength)
      if (image.length === 0 && !p.cameraLost) throw new UserFacingError('failed', 'The frame is empty; check the camera.')
      return service.submit({
        image,
        ...(p.raw && !p.cameraLost ? { raw: p.raw } : {}),
        ...(p.cameraLost ? { failure: 'camera-lost' as const } : {}),
        capturedAt: p.capturedAt,
        source: p.source,
        triggered: p.triggered || p.cameraLost,
        ...(p.partId ? { partId: p.partId } : {}),
        ...(p.file ? { file: p.file } : {})
      })
    },
    'inspection:settings': async (p) => {
      const service = await svc()
      await checkJsonl(p.jsonlPath)
      return Object.keys(p).length === 0 ? service.settings() : service.updateSettings(p)
    },
    'history:list': async (p) => {
      const { limit, offset, ...filter } = p
      return (await svc()).listHistory(filter, { limit, offset })
    },
    'history:export-csv': async (p) => (await svc()).exportCsv(p),
    'history:override': async (p) => (await svc()).override(p.id, p.verdict, p.className)
  }
}
