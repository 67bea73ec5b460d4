import type { EmitEvent } from '../../../shared/contract/index'
import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs'
import type { InspectionRecord } from '../../../shared/contract/inspection'
import type { LineSettings, LineStatus } from '../../../shared/contract/line'
import type { ProjectStore } from '../../store/project-store'
import { toResultJson } from '../inspection/result-json'
import type { InspectionService } from '../inspection/service'
import { loadLineSettings, patchLineSettings, publicLineSettings, SETTING_LINE, type LineSettingsPatch } from './line-settings'
import { MqttOutput, mqttTopics } from './mqtt-output'
import { PlcHandshake, type PlcInspectOutcome } from './plc-handshake'
import { ModbusClientBank, ModbusServerBank } from './register-bank'

/**
 * The line outputs of one open project: every recorded verdict goes to MQTT (the
 * `inspect --json` line, docs/decisions.md, "Line outputs"), and a PLC handshake turns PLC triggers into
 * inspections and results. Both are started and stopped as the project's `line` settings
 * say. How a trigger becomes an inspection is the caller's: the app asks the Inspect screen
 * to capture a frame (`inspection:trigger`), the CLI inspects the next file.
 */
export interface LineOutputsOptions {
  project: ProjectStore
  service: InspectionService
  emit?: EmitEvent
  /**
   * Inspect one part for a PLC or MQTT trigger and resolve with its record (null: nothing
   * came in time). Default: ask the screen to capture it and wait for the record.
   */
  inspectPart?: (partId: string, timeoutMs: number) => Promise<InspectionRecord | null>
  /** Tests shorten the MQTT reconnect period. */
  mqttReconnectMs?: number
}

export class LineOutputs {
  private settingsValue: LineSettings
  private mqtt: MqttOutput | null = null
  private plc: PlcHandshake | null = null
  private plcPartCounter = 0
  private readonly offRecord: () => void
  private statusTimer: NodeJS.Timeout | null = null
  private applying: Promise<void> = Promise.resolve()

  constructor(private readonly options: LineOutputsOptions) {
    this.settingsValue = loadLineSettings(options.project.settings.get<unknown>(SETTING_LINE, null))
    this.offRecord = options.service.onRecord((record) => this.onRecord(record))
    void this.apply()
  }

  /** The settings as a screen may see them (no password). */
  settings(): LineSettings {
    return publicLineSettings(this.settingsValue)
  }

  /** Change settings; `persist: false` for this session only (CLI flags). Restarts what changed. */
  async updateSettings(patch: LineSettingsPatch, opts: { persist?: boolean } = {}): Promise<LineSettings> {
    const next = patchLineSettings(this.settingsValue, patch)
    if (opts.persist !== false) this.options.project.settings.set(SETTING_LINE, next)
    const before = this.settingsValue
    this.settingsValue = next
    const mqttChanged = JSON.stringify(before.mqtt) !== JSON.stringify(next.mqtt)
    const plcChanged = JSON.stringify(before.plc) !== JSON.stringify(next.plc)
    if (mqttChanged || plcChanged) await this.apply({ mqtt: mqttChanged, plc: plcChanged })
    return this.settings()
  }

  status(): LineStatus {
    const s = this.settingsValue
    const mqtt = this.mqtt?.status()
    const plc = this.plc?.status()
    const off = { sent: 0, failed: 0, pending: 0 }
    return {
      mqtt: mqtt
        ? { ...mqtt, passwordSet: Boolean(s.mqtt.password) }
        : { light: 'off', state: 'off', url: null, verdictTopic: null, passwordSet: Boolean(s.mqtt.password), counters: off, lastMessage: null, lastError: null },
      plc: plc
        ? { ...plc, mode: s.plc.mode }
        : { light: 'off', state: 'off', endpoint: null, mode: s.plc.mode, counters: off, lastMessage: null, lastError: null }
    }
  }

  /** Wait until the MQTT outbox is empty, at most `timeoutMs`; true when it is. */
  async drained(timeoutMs: number): Promise<boolean> {
    if (!this.mqtt) return true
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)))
    const done = await Promise.race([this.mqtt.drained().then(() => true as const), timeout])
    clearTimeout(timer)
    return done
  }

  async close(): Promise<void> {
    this.offRecord()
    if (this.statusTimer) clearTimeout(this.statusTimer)
    await this.applying
    await Promise.all([this.stopMqtt(), this.stopPlc()])
  }

  // ---- internals -----------------------------------------------------------------------

  private apply(what: { mqtt: boolean; plc: boolean } = { mqtt: true, plc: true }): Promise<void> {
    // One change at a time: a second save waits for the first restart to finish.
    this.applying = this.applying.then(async () => {
      if (what.mqtt) {
        await this.stopMqtt()
        if (this.settingsValue.mqtt.enabled) this.startMqtt()
      }
      if (what.plc) {
        await this.stopPlc()
        if (this.settingsValue.plc.enabled) await this.startPlc()
      }
      this.changed()
    })
    return this.applying
  }

  private startMqtt(): void {
    const s = this.settingsValue.mqtt
    const topics = mqttTopics(s)
    let ca: Buffer | null = null
    if (s.caFile) {
      try {
        ca = readCaFile(s.caFile)
      } catch (error) {
        this.incident('mqtt', `The MQTT CA file "${s.caFile}" cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); connecting with the system's CAs.`)
      }
    }
    this.mqtt = new MqttOutput({
      outbox: this.options.service.history.lineOutbox,
      url: s.url,
      verdictTopic: topics.verdict,
      statusTopic: topics.status,
      triggerTopic: topics.trigger,
      qos: s.qos,
      username: s.username,
      password: s.password,
      ca,
      rejectUnauthorized: s.rejectUnauthorized,
      clientId: s.clientId,
      ...(this.options.mqttReconnectMs ? { reconnectPeriodMs: this.options.mqttReconnectMs } : {}),
      onTrigger: (p) => this.onMqttTrigger(p),
      onIncident: (kind, detail) => this.incident(kind, detail),
      onStatus: () => this.changed()
    })
    this.mqtt.start()
  }

  private async startPlc(): Promise<void> {
    const s = this.settingsValue.plc
    const bank =
      s.mode === 'client'
        ? new ModbusClientBank({ host: s.host, port: s.port, unitId: s.unitId, baseAddress: s.baseAddress, requestTimeoutMs: s.requestTimeoutMs })
        : new ModbusServerBank({ host: s.host, port: s.port, unitId: s.unitId, baseAddress: s.baseAddress })
    this.plc = new PlcHandshake({
      bank,
      inspect: (part) => this.inspectForPlc(part),
      pollMs: s.pollMs,
      resultTimeoutMs: s.resultTimeoutMs,
      ackTimeoutMs: s.ackTimeoutMs,
      heartbeatMs: s.heartbeatMs,
      onIncident: (detail) => this.incident('plc', detail)
    })
    this.plc.on('status', () => this.changed())
    this.plc.start()
  }

  private async stopMqtt(): Promise<void> {
    const m = this.mqtt
    this.mqtt = null
    await m?.close()
  }

  private async stopPlc(): Promise<void> {
    const p = this.plc
    this.plc = null
    await p?.close()
  }

  private onRecord(record: InspectionRecord): void {
    this.mqtt?.enqueue(toResultJson(record))
  }

  private async inspectForPlc(part: number): Promise<PlcInspectOutcome> {
    const partId = part > 0 ? String(part) : `PLC-${String(++this.plcPartCounter).padStart(6, '0')}`
    const timeoutMs = this.settingsValue.plc.resultTimeoutMs
    if (!this.options.inspectPart && this.options.service.status().state !== 'running') {
      return { verdict: 'NO_VERDICT', reason: null, fault: 'NOT_RUNNING' }
    }
    const record = await (this.options.inspectPart ?? ((id, ms) => this.captureOnScreen(id, ms)))(partId, timeoutMs)
    // Nothing came (no camera on screen, inspection stopped): a reject, never an OK.
    if (!record) return { verdict: 'NO_VERDICT', reason: 'camera-lost' }
    return { verdict: record.verdict, reason: record.reason }
  }

  private onMqttTrigger(p: { partId?: string }): void {
    if (this.options.inspectPart) {
      void this.options.inspectPart(p.partId ?? `MQTT-${Date.now()}`, this.settingsValue.plc.resultTimeoutMs)
      return
    }
    if (this.options.service.status().state === 'idle') throw new Error('Inspection is not running; start it on the Inspect screen.')
    this.options.emit?.('inspection:trigger', p)
  }

  /** The app's way: the Inspect screen captures a frame for `partId`; wait for its record. */
  private captureOnScreen(partId: string, timeoutMs: number): Promise<InspectionRecord | null> {
    if (this.options.service.status().state !== 'running') return Promise.resolve(null)
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        off()
        resolve(null)
      }, timeoutMs)
      const off = this.options.service.onRecord((record) => {
        if (record.partId !== partId) return
        clearTimeout(timer)
        off()
        resolve(record)
      })
      this.options.emit?.('inspection:trigger', { partId })
    })
  }

  private incident(kind: string, detail: string): void {
    try {
      this.options.service.history.incidents.record(kind, detail)
    } catch {
      // A failing history must not stop the line outputs; the event still goes out.
    }
    this.options.emit?.('inspection:incident', { kind, detail })
  }

  /** Status events at most every 200 ms: a fast line must not flood the screen. */
  private changed(): void {
    if (this.statusTimer) return
    this.statusTimer = setTimeout(() => {
      this.statusTimer = null
      this.options.emit?.('line:changed', this.status())
    }, 200)
    this.statusTimer.unref?.()
  }
}

/** A CA certificate bundle is a few KiB; anything else (a device, a huge file) is refused unread. */
const MAX_CA_FILE_BYTES = 1024 * 1024

/** Read the broker's CA file, checking kind and size on the open file itself (never /dev/zero or a pipe). */
function readCaFile(file: string): Buffer {
  const fd = openSync(file, 'r')
  try {
    const info = fstatSync(fd)
    if (!info.isFile()) throw new Error('not a regular file')
    if (info.size > MAX_CA_FILE_BYTES) throw new Error(`larger than ${MAX_CA_FILE_BYTES / 1024} KiB, so not a CA certificate file`)
    return readFileSync(fd)
  } finally {
    closeSync(fd)
  }
}
