import { connect, type IClientOptions, type MqttClient } from 'mqtt'
import type { LineOutputCounters, LineStatus } from '../../../shared/contract/line'
import type { LineOutboxRepository } from '../../store/history/line-outbox-repo'

/**
 * Verdicts to an MQTT broker (MQTT.js). Each verdict is written to the persisted outbox
 * first, then published by one background loop, oldest first, one message at a time, and
 * removed once the broker has it (QoS 1: its PUBACK; QoS 0: written to the socket). While
 * the broker is away messages wait in the outbox and go out, in order, after the reconnect,
 * also after an app restart: the webhook's guarantees (at least once, in order). A message
 * sent just before a connection drop may come twice; `inspectionId` tells copies apart.
 *
 * The status topic is retained: `online` once connected, `offline` as the client's last
 * will (the broker publishes it when the app vanishes) and on a clean stop. Messages on the
 * trigger topic ask for one inspection; a malformed one is reported and ignored.
 */
export interface MqttOutputOptions {
  outbox: LineOutboxRepository
  url: string
  verdictTopic: string
  statusTopic: string
  /** null = no trigger subscription. */
  triggerTopic: string | null
  qos: 0 | 1
  username?: string | null
  password?: string | null
  /** PEM of a private CA (mqtts://). */
  ca?: Buffer | null
  rejectUnauthorized?: boolean
  clientId?: string | null
  reconnectPeriodMs?: number
  connectTimeoutMs?: number
  onTrigger?: (payload: { partId?: string }) => void
  onIncident?: (kind: 'mqtt' | 'mqtt-trigger', detail: string) => void
  onStatus?: () => void
}

export const OUTBOX_TARGET = 'mqtt'
const MAX_TRIGGER_BYTES = 16 * 1024

export class MqttOutput {
  private client: MqttClient | null = null
  private state: LineStatus['mqtt']['state'] = 'off'
  private draining = false
  private closed = false
  private sent = 0
  private failed = 0
  private lastMessage: LineStatus['mqtt']['lastMessage'] = null
  private lastError: string | null = null
  private idleWaiters: Array<() => void> = []

  constructor(private readonly options: MqttOutputOptions) {}

  start(): void {
    if (this.client) return
    const o = this.options
    const clientOptions: IClientOptions = {
      clean: true,
      reconnectPeriod: o.reconnectPeriodMs ?? 2000,
      connectTimeout: o.connectTimeoutMs ?? 10_000,
      // Our outbox is the queue; MQTT.js must not keep a second, in-memory one.
      queueQoSZero: false,
      will: { topic: o.statusTopic, payload: Buffer.from('offline'), qos: 1, retain: true },
      ...(o.username ? { username: o.username } : {}),
      ...(o.password ? { password: o.password } : {}),
      ...(o.ca ? { ca: o.ca } : {}),
      rejectUnauthorized: o.rejectUnauthorized ?? true,
      ...(o.clientId ? { clientId: o.clientId } : {})
    }
    this.state = 'connecting'
    const client = connect(o.url, clientOptions)
    this.client = client
    client.on('connect', () => {
      this.state = 'connected'
      this.lastError = null
      client.publish(o.statusTopic, 'online', { qos: 1, retain: true })
      if (o.triggerTopic) {
        client.subscribe(o.triggerTopic, { qos: 1 }, (error) => {
          if (error) this.incident('mqtt', `Subscribing to the trigger topic "${o.triggerTopic}" failed: ${error.message}`)
        })
      }
      this.changed()
      void this.drain()
    })
    client.on('reconnect', () => {
      this.state = 'reconnecting'
      this.changed()
    })
    client.on('close', () => {
      if (this.closed) return
      if (this.state === 'connected') this.incident('mqtt', `Lost the broker ${o.url}; verdicts wait in the outbox and go out after the reconnect.`)
      this.state = 'reconnecting'
      this.changed()
    })
    client.on('error', (error) => {
      this.lastError = error.message
      this.changed()
    })
    client.on('message', (topic, payload) => {
      if (topic === o.triggerTopic) this.onTriggerMessage(payload)
    })
  }

  /** Persist one verdict and return at once; it is published in the background. */
  enqueue(body: unknown): void {
    this.options.outbox.enqueue(OUTBOX_TARGET, this.options.verdictTopic, JSON.stringify(body), this.options.qos)
    this.changed()
    void this.drain()
  }

  counters(): LineOutputCounters {
    return { sent: this.sent, failed: this.failed, pending: this.options.outbox.count(OUTBOX_TARGET) }
  }

  status(): Omit<LineStatus['mqtt'], 'passwordSet'> {
    const counters = this.counters()
    const light = this.state === 'connected' ? (counters.pending > 10 ? 'amber' : 'green') : this.state === 'off' ? 'off' : this.state === 'error' ? 'red' : this.lastError ? 'red' : 'amber'
    return { light, state: this.state, url: this.options.url, verdictTopic: this.options.verdictTopic, counters, lastMessage: this.lastMessage, lastError: this.lastError }
  }

  /** Resolves when the outbox is empty (tests, shutdown). */
  drained(): Promise<void> {
    if (this.options.outbox.count(OUTBOX_TARGET) === 0) return Promise.resolve()
    return new Promise((resolve) => this.idleWaiters.push(resolve))
  }

  /** Publish `offline` (retained) and disconnect; undelivered verdicts stay in the outbox. */
  async close(): Promise<void> {
    this.closed = true
    const c = this.client
    this.client = null
    this.state = 'off'
    if (!c) return
    if (c.connected) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 1000)
        c.publish(this.options.statusTopic, 'offline', { qos: 1, retain: true }, () => {
          clearTimeout(timer)
          resolve()
        })
      })
    }
    await c.endAsync(true).catch(() => undefined)
  }

  private async drain(): Promise<void> {
    if (this.draining || this.closed) return
    this.draining = true
    try {
      for (;;) {
        const client = this.client
        if (!client?.connected || this.closed) return
        const row = this.options.outbox.oldest(OUTBOX_TARGET)
        if (!row) {
          const waiters = this.idleWaiters
          this.idleWaiters = []
          for (const w of waiters) w()
          return
        }
        const error = await new Promise<Error | null>((resolve) => {
          client.publish(row.topic, row.body, { qos: row.qos }, (e) => resolve(e ?? null))
        })
        if (error) {
          // Stays first in the outbox; the next 'connect' starts over from it.
          this.failed++
          this.options.outbox.markFailed(row.id, error.message)
          this.lastError = error.message
          this.changed()
          return
        }
        this.options.outbox.remove(row.id)
        this.sent++
        this.lastMessage = { topic: row.topic, ...summary(row.body), time: new Date().toISOString() }
        this.changed()
      }
    } finally {
      this.draining = false
    }
  }

  private onTriggerMessage(payload: Buffer): void {
    const parsed = parseTrigger(payload)
    if ('error' in parsed) {
      this.incident('mqtt-trigger', `Ignored a message on "${this.options.triggerTopic}": ${parsed.error}. Send {"partId":"A123"} or an empty message.`)
      return
    }
    try {
      this.options.onTrigger?.(parsed)
    } catch (error) {
      this.incident('mqtt-trigger', `A trigger on "${this.options.triggerTopic}" was not taken: ${(error as Error).message}`)
    }
  }

  private incident(kind: 'mqtt' | 'mqtt-trigger', detail: string): void {
    this.options.onIncident?.(kind, detail)
  }

  private changed(): void {
    this.options.onStatus?.()
  }
}

/** A trigger message: empty, or a JSON object with an optional partId (string or number). */
export function parseTrigger(payload: Buffer): { partId?: string } | { error: string } {
  if (payload.length > MAX_TRIGGER_BYTES) return { error: `larger than ${MAX_TRIGGER_BYTES} bytes` }
  const text = payload.toString('utf8').trim()
  if (text === '') return {}
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    return { error: `not JSON (${(error as Error).message})` }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { error: 'not a JSON object' }
  const partId = (value as { partId?: unknown }).partId
  if (partId === undefined || partId === null) return {}
  if (typeof partId !== 'string' && typeof partId !== 'number') return { error: 'partId must be a string or a number' }
  const id = String(partId).trim()
  if (id.length === 0 || id.length > 200) return { error: 'partId must have 1 to 200 characters' }
  return { partId: id }
}

function summary(body: string): { partId: string; verdict: string } {
  try {
    const v = JSON.parse(body) as { partId?: unknown; verdict?: unknown }
    return { partId: String(v.partId ?? ''), verdict: String(v.verdict ?? '') }
  } catch {
    return { partId: '', verdict: '' }
  }
}

/** Topics from the settings: `defect-studio/<line>/verdict|status|trigger` unless set. */
export function mqttTopics(s: { line: string; verdictTopic: string | null; statusTopic: string | null; triggerTopic: string | null }): {
  verdict: string
  status: string
  trigger: string | null
} {
  const base = `defect-studio/${s.line}`
  return {
    verdict: s.verdictTopic ?? `${base}/verdict`,
    status: s.statusTopic ?? `${base}/status`,
    trigger: s.triggerTopic === '' ? null : (s.triggerTopic ?? `${base}/trigger`)
  }
}
