import type { InspectionRecord } from '../../../shared/contract/inspection'
import type { LineSettingsPatch } from '../../services/line/line-settings'
import { parseHostPort } from '../../services/line/line-settings'
import { LineOutputs } from '../../services/line/line-outputs'
import type { InspectionService } from '../../services/inspection/service'
import type { ProjectStore } from '../../store/project-store'
import { UsageError, type CliIo, type ParsedArgs } from '../command'

/**
 * `inspect --mqtt URL` / `--plc HOST:PORT` (docs/decisions.md, "Line outputs"): this run's line outputs, on top
 * of the project's own line settings, never saved. With --plc the images are inspected one
 * per PLC trigger, in name order (a camera that takes a picture when the PLC asks).
 */
export const LINE_OPTIONS = {
  mqtt: { type: 'string' },
  'mqtt-line': { type: 'string' },
  'mqtt-qos': { type: 'string' },
  plc: { type: 'string' },
  'plc-mode': { type: 'string' }
} as const

export const LINE_USAGE = [
  '  --mqtt URL        publish every verdict (the --json line) to mqtt://host:port (mqtts:// for TLS)',
  '                    on defect-studio/<line>/verdict; retained defect-studio/<line>/status online/offline',
  '  --mqtt-line NAME  <line> in the topics (default: the project setting, else line1); --mqtt-qos 0|1',
  '  --plc HOST:PORT   PLC handshake over Modbus TCP: each PLC trigger inspects the next image, the result',
  '                    goes back to the PLC (register map: README "Connecting to the line")',
  '  --plc-mode client|server  connect to the PLC (default) or listen on HOST:PORT for the PLC'
]

export function linePatch(args: ParsedArgs): LineSettingsPatch | null {
  const patch: LineSettingsPatch = {}
  const v = args.values
  if (typeof v.mqtt === 'string') {
    patch.mqtt = { enabled: true, url: v.mqtt }
    if (typeof v['mqtt-line'] === 'string') patch.mqtt.line = v['mqtt-line']
    if (v['mqtt-qos'] !== undefined) {
      if (v['mqtt-qos'] !== '0' && v['mqtt-qos'] !== '1') throw new UsageError(`--mqtt-qos must be 0 or 1, got "${String(v['mqtt-qos'])}"`)
      patch.mqtt.qos = v['mqtt-qos'] === '1' ? 1 : 0
    }
  } else if (v['mqtt-line'] !== undefined || v['mqtt-qos'] !== undefined) {
    throw new UsageError('--mqtt-line and --mqtt-qos need --mqtt URL')
  }
  if (typeof v.plc === 'string') {
    let endpoint: { host: string; port: number }
    try {
      endpoint = parseHostPort(v.plc, 502)
    } catch (error) {
      throw new UsageError(`--plc: ${(error as Error).message}`)
    }
    const mode = v['plc-mode'] ?? 'client'
    if (mode !== 'client' && mode !== 'server') throw new UsageError(`--plc-mode must be client or server, got "${String(mode)}"`)
    patch.plc = { enabled: true, mode, ...endpoint }
  } else if (v['plc-mode'] !== undefined) {
    throw new UsageError('--plc-mode needs --plc HOST:PORT')
  }
  // Without the flags the project's own settings are not used: a CLI run stays offline
  // unless asked, so a test run on a copy never talks to the real line.
  if (!patch.mqtt) patch.mqtt = { enabled: false }
  if (!patch.plc) patch.plc = { enabled: false }
  return typeof v.mqtt === 'string' || typeof v.plc === 'string' ? patch : null
}

/** Start this run's line outputs; `inspectPart` serves PLC triggers (null: none left). */
export async function startLine(
  store: ProjectStore,
  service: InspectionService,
  patch: LineSettingsPatch,
  io: CliIo,
  inspectPart?: (partId: string) => Promise<InspectionRecord | null>
): Promise<LineOutputs> {
  const line = new LineOutputs({
    project: store,
    service,
    emit: (event, payload) => {
      if (event === 'inspection:incident') io.err(`${(payload as { kind: string }).kind}: ${(payload as { detail: string }).detail}`)
    },
    ...(inspectPart ? { inspectPart: (id: string) => inspectPart(id) } : {})
  })
  try {
    await line.updateSettings(patch, { persist: false })
  } catch (error) {
    await line.close()
    throw new UsageError((error as Error).message)
  }
  return line
}

/** Let the MQTT outbox drain before exit; what is left goes out on the next run. */
export async function finishLine(line: LineOutputs, io: CliIo, json: boolean): Promise<void> {
  const drained = await line.drained(10_000)
  const pending = line.status().mqtt.counters.pending
  if (!drained && !json) io.err(`${pending} verdicts could not reach the broker yet; they wait in the outbox and go out on the next run with --mqtt.`)
  await line.close()
}
