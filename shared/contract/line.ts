import { z } from 'zod'
import { event, request } from './define'

/**
 * Line outputs: verdicts to an MQTT broker and a handshake with a PLC over Modbus TCP.
 * Settings are per project (project setting `line`); the register map and topics are in
 * README "Connecting to the line" and electron/services/line/README.md.
 */

/** A name for this line/cell, used in MQTT topics: letters, digits, `-`, `_`. */
const LineName = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'use 1-64 letters, digits, "-" or "_"')
/** An MQTT topic to publish on: no wildcards, no NUL. */
const Topic = z
  .string()
  .min(1)
  .max(512)
  .refine((t) => !t.includes('+') && !t.includes('#') && !t.includes(String.fromCharCode(0)), 'a topic to publish on cannot contain +, # or NUL')

export const MqttSettings = z
  .object({
    enabled: z.boolean(),
    /** mqtt://host:1883 or mqtts://host:8883 (TLS). */
    url: z
      .string()
      .max(2000)
      .refine((u) => /^(mqtts?|wss?):\/\/[^\s/]+/.test(u), 'use mqtt://host:port or mqtts://host:port'),
    line: LineName,
    /** Verdict topic; null = `defect-studio/<line>/verdict`. */
    verdictTopic: Topic.nullable(),
    /** Retained online/offline (last will); null = `defect-studio/<line>/status`. */
    statusTopic: Topic.nullable(),
    /** Messages here ask for one inspection (`{"partId":"A1"}` or empty); null = `defect-studio/<line>/trigger`; '' = off. */
    triggerTopic: z.union([Topic, z.literal('')]).nullable(),
    qos: z.union([z.literal(0), z.literal(1)]),
    username: z.string().max(500).nullable(),
    /** Stored in the project file; never sent back to a screen (see LineStatus.mqtt.passwordSet). */
    password: z.string().max(500).nullable(),
    /** PEM file of the broker's CA for mqtts:// with a private CA (null = system CAs). */
    caFile: z.string().max(4000).nullable(),
    /** Off only for a test broker with a self-signed certificate. */
    rejectUnauthorized: z.boolean(),
    clientId: z.string().max(200).nullable()
  })
  .strict()
export type MqttSettings = z.infer<typeof MqttSettings>

export const PlcSettings = z
  .object({
    enabled: z.boolean(),
    /** client: the app connects to the PLC's Modbus TCP server; server: the PLC connects to the app. */
    mode: z.enum(['client', 'server']),
    /** The PLC's address (client mode) or the address to listen on (server mode). */
    host: z.string().min(1).max(255),
    port: z.number().int().min(1).max(65535),
    unitId: z.number().int().min(0).max(255),
    /** Holding register where the map starts (the map's offsets are added to it). */
    baseAddress: z.number().int().min(0).max(65000),
    /** How often the app reads the PLC's registers. */
    pollMs: z.number().int().min(5).max(5000),
    /** Time from trigger to a written result; later = ERROR (beside the inspection's own deadline). */
    resultTimeoutMs: z.number().int().min(50).max(600_000),
    /** Time the PLC has to acknowledge a result; none = ERROR and a fault shown. */
    ackTimeoutMs: z.number().int().min(50).max(600_000),
    /** Heartbeat register increments this often. */
    heartbeatMs: z.number().int().min(100).max(60_000),
    /** Per Modbus request (client mode). */
    requestTimeoutMs: z.number().int().min(50).max(60_000)
  })
  .strict()
export type PlcSettings = z.infer<typeof PlcSettings>

export const LineSettings = z.object({ mqtt: MqttSettings, plc: PlcSettings }).strict()
export type LineSettings = z.infer<typeof LineSettings>

export const DEFAULT_LINE_SETTINGS: LineSettings = {
  mqtt: {
    enabled: false,
    url: 'mqtt://127.0.0.1:1883',
    line: 'line1',
    verdictTopic: null,
    statusTopic: null,
    triggerTopic: null,
    qos: 1,
    username: null,
    password: null,
    caFile: null,
    rejectUnauthorized: true,
    clientId: null
  },
  plc: {
    enabled: false,
    mode: 'client',
    host: '127.0.0.1',
    port: 502,
    unitId: 1,
    baseAddress: 0,
    pollMs: 20,
    resultTimeoutMs: 5000,
    ackTimeoutMs: 2000,
    heartbeatMs: 1000,
    requestTimeoutMs: 1000
  }
}

/** green: connected/working; amber: reconnecting, messages waiting; red: a fault; off: disabled. */
export type LineLight = 'off' | 'green' | 'amber' | 'red'

export interface LineOutputCounters {
  sent: number
  failed: number
  pending: number
}

export interface LineStatus {
  mqtt: {
    light: LineLight
    state: 'off' | 'connecting' | 'connected' | 'reconnecting' | 'error'
    url: string | null
    verdictTopic: string | null
    passwordSet: boolean
    counters: LineOutputCounters
    /** The last verdict published (topic + partId + verdict + time), or null. */
    lastMessage: { topic: string; partId: string; verdict: string; time: string } | null
    lastError: string | null
  }
  plc: {
    light: LineLight
    state: 'off' | 'connecting' | 'ready' | 'busy' | 'waiting-ack' | 'fault' | 'disconnected'
    endpoint: string | null
    mode: PlcSettings['mode']
    counters: LineOutputCounters
    /** The last result written to the PLC. */
    lastMessage: { partId: string; result: 'OK' | 'NG' | 'ERROR'; time: string } | null
    lastError: string | null
  }
}

const emptySchema = z.object({}).strict()
/** A patch: each part may be given partly; `password: undefined` keeps the stored one. */
const settingsPatch = z.object({ mqtt: MqttSettings.partial().optional(), plc: PlcSettings.partial().optional() }).strict()

export const lineChannels = {
  'line:status': request<typeof emptySchema, LineStatus>(emptySchema, 'MQTT and PLC connection state, counters and last messages.'),
  'line:settings': request<typeof settingsPatch, LineSettings>(
    settingsPatch,
    'Read (empty object) or change the MQTT/PLC settings of the open project; the password is never returned.'
  )
} as const

export const lineEvents = {
  'line:changed': event(z.custom<LineStatus>(), 'MQTT or PLC state or counters changed.')
} as const
