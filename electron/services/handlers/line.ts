import type { HandlerMap } from '../router'
import type { InspectionManager } from '../inspection/manager'

/** Line outputs (MQTT, PLC) of the open project: validate (router) -> LineOutputs -> result. */
export function lineHandlers(deps: { manager: InspectionManager }): HandlerMap {
  return {
    'line:status': async () => (await deps.manager.currentLine()).status(),
    'line:settings': async (p) => {
      const line = await deps.manager.currentLine()
      return p.mqtt === undefined && p.plc === undefined ? line.settings() : line.updateSettings(p)
    }
  }
}
