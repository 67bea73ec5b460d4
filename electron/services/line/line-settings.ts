import { DEFAULT_LINE_SETTINGS, LineSettings, MqttSettings, PlcSettings } from '../../../shared/contract/line'
import { UserFacingError } from '../errors'

/** Project setting key of the line outputs (MQTT + PLC). */
export const SETTING_LINE = 'line'

/** A patch as the `line:settings` channel takes it: each part partly. */
export interface LineSettingsPatch {
  mqtt?: Partial<MqttSettings>
  plc?: Partial<PlcSettings>
}

/** Stored settings over the defaults; a damaged value falls back to the defaults, part by part. */
export function loadLineSettings(stored: unknown): LineSettings {
  const s = typeof stored === 'object' && stored !== null ? (stored as { mqtt?: unknown; plc?: unknown }) : {}
  const mqtt = MqttSettings.safeParse({ ...DEFAULT_LINE_SETTINGS.mqtt, ...(isObject(s.mqtt) ? s.mqtt : {}) })
  const plc = PlcSettings.safeParse({ ...DEFAULT_LINE_SETTINGS.plc, ...(isObject(s.plc) ? s.plc : {}) })
  return { mqtt: mqtt.success ? mqtt.data : DEFAULT_LINE_SETTINGS.mqtt, plc: plc.success ? plc.data : DEFAULT_LINE_SETTINGS.plc }
}

/** Apply a patch; `password` left out keeps the stored one. Throws a message naming each bad field. */
export function patchLineSettings(current: LineSettings, patch: LineSettingsPatch): LineSettings {
  const mqttPatch = { ...patch.mqtt }
  if (mqttPatch.password === undefined) delete mqttPatch.password
  const parsed = LineSettings.safeParse({ mqtt: { ...current.mqtt, ...mqttPatch }, plc: { ...current.plc, ...patch.plc } })
  if (!parsed.success) {
    throw new UserFacingError('failed', `Invalid line settings: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`)
  }
  return parsed.data
}

/** What a screen may see: the password never leaves the main process. */
export function publicLineSettings(s: LineSettings): LineSettings {
  return { ...s, mqtt: { ...s.mqtt, password: null } }
}

/** `HOST:PORT` (CLI --plc) -> host and port; IPv6 as [::1]:502. */
export function parseHostPort(text: string, defaultPort: number): { host: string; port: number } {
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(text) ?? /^([^:]+)(?::(\d+))?$/.exec(text)
  if (!m) throw new Error(`"${text}" is not HOST:PORT`)
  const port = m[2] === undefined ? defaultPort : Number(m[2])
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`port in "${text}" must be 1-65535`)
  return { host: m[1]!, port }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}
