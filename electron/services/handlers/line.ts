import type { FileAccess } from '../file-access'
import type { HandlerMap } from '../router'
import type { InspectionManager } from '../inspection/manager'

/** Line outputs (MQTT, PLC) of the open project: validate (router) -> LineOutputs -> result. */
export function lineHandlers(deps: { manager: InspectionManager; files?: FileAccess }): HandlerMap {
  return {
    'line:status': async () => (await deps.manager.currentLine()).status(),
    'line:settings': async (p) => {
      // The CA file is read from a path given over the API: the same kind/size/allowed-root
      // checks as every other such path (docs/security.md).
      const caFile = p.mqtt?.caFile
      if (typeof caFile === 'string' && caFile !== '' && deps.files) {
        p = { ...p, mqtt: { ...p.mqtt, caFile: await deps.files.fileToRead(caFile, 'The MQTT CA file', 1024 * 1024) } }
      }
      const line = await deps.manager.currentLine()
      return p.mqtt === undefined && p.plc === undefined ? line.settings() : line.updateSettings(p)
    }
  }
}
