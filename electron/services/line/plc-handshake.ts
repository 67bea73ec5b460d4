import { EventEmitter } from 'node:events'
import type { NoVerdictReason, Verdict } from '../../../shared/contract/inspection'
import type { LineOutputCounters, LineStatus } from '../../../shared/contract/line'
import { APP_BLOCK, ERROR_CODE, joinWords, PLC_BLOCK, REG, RESULT_CODE, splitWords, type PlcErrorName, type PlcResult } from './plc-registers'
import { PlcLinkError, type RegisterBank } from './register-bank'

/**
 * The app's side of the PLC handshake (register map in plc-registers.ts):
 *
 *   PLC: TRIGGER=1 (+ part id)  ->  app: READY=0 BUSY=1  ->  app: BUSY=0 RESULT=OK|NG|ERROR (+ part echo)
 *   PLC: ACK=1 TRIGGER=0        ->  app: RESULT=0 READY=1 ->  PLC: ACK=0
 *
 * One loop polls the PLC's block every `pollMs` and does one step at a time, so requests
 * never overlap. Every fault ends as RESULT=ERROR (a reject), never OK: an inspection that
 * throws or says NO_VERDICT, no result within `resultTimeoutMs`, a link lost while a part
 * was in progress, and no ACK within `ackTimeoutMs`.
 */
export interface PlcInspectOutcome {
  verdict: Verdict
  reason: NoVerdictReason | null
  /** A fault outside the inspection itself (e.g. inspection not running): ERROR with this code. */
  fault?: PlcErrorName
}

export interface PlcHandshakeOptions {
  bank: RegisterBank
  /** Inspect the triggered part; `partNumber` 0 means the PLC sent none. */
  inspect: (partNumber: number) => Promise<PlcInspectOutcome>
  pollMs: number
  resultTimeoutMs: number
  ackTimeoutMs: number
  heartbeatMs: number
  /** Reconnect backoff (client role): first wait, doubling up to max. */
  reconnectMinMs?: number
  reconnectMaxMs?: number
  onIncident?: (detail: string) => void
}

type Phase = 'connecting' | 'ready' | 'busy' | 'waiting-ack' | 'fault'

interface Cycle {
  part: number
  /** Set once the inspection settles (or fails); the loop writes it. */
  outcome: { result: PlcResult; error: PlcErrorName | null } | null
  deadline: number
  ackDeadline: number
  /** The result last written to the PLC for this part (listeners hear each change once). */
  reported: { result: PlcResult; error: PlcErrorName | null } | null
}

/** One written result, as the handshake's listeners see it. */
export interface PlcResultEvent {
  part: number
  result: PlcResult
  error: PlcErrorName | null
  time: string
  /** True when this replaces a result already written for the part (now ERROR). */
  revised: boolean
}

const NO_VERDICT_ERROR: Record<NoVerdictReason, PlcErrorName> = {
  'engine-error': 'ENGINE_ERROR',
  deadline: 'DEADLINE',
  'camera-lost': 'CAMERA_LOST',
  'no-model': 'NO_MODEL',
  'no-good-class': 'NO_GOOD_CLASS',
  'bad-image': 'BAD_IMAGE'
}

/** The result register for an inspection's verdict: PASS -> OK, FAIL -> NG, anything else -> ERROR. */
export function plcResultFor(outcome: PlcInspectOutcome): { result: PlcResult; error: PlcErrorName | null } {
  if (outcome.fault) return { result: 'ERROR', error: outcome.fault }
  if (outcome.verdict === 'PASS') return { result: 'OK', error: null }
  if (outcome.verdict === 'FAIL') return { result: 'NG', error: null }
  return { result: 'ERROR', error: outcome.reason ? (NO_VERDICT_ERROR[outcome.reason] ?? 'OTHER') : 'OTHER' }
}

export class PlcHandshake extends EventEmitter {
  private phase: Phase = 'connecting'
  private cycle: Cycle | null = null
  private closed = false
  private loopDone: Promise<void> | null = null
  private wake: (() => void) | null = null
  private heartbeat = 0
  private heartbeatAt = 0
  private reconnectWait: number
  private readonly counters: LineOutputCounters = { sent: 0, failed: 0, pending: 0 }
  private lastMessage: LineStatus['plc']['lastMessage'] = null
  private lastError: string | null = null
  private linkUp = false

  constructor(private readonly options: PlcHandshakeOptions) {
    super()
    this.reconnectWait = options.reconnectMinMs ?? 100
  }

  start(): void {
    if (this.loopDone) return
    this.loopDone = this.loop()
  }

  async close(): Promise<void> {
    this.closed = true
    this.wake?.()
    await this.loopDone
    // Leave the PLC a clear "not ready" so it does not trigger a stopped app.
    if (this.linkUp) await this.options.bank.write(APP_BLOCK.start, [0, 0, RESULT_CODE.NONE, 0, 0, 0]).catch(() => undefined)
    await this.options.bank.close()
  }

  status(): Pick<LineStatus['plc'], 'state' | 'counters' | 'lastMessage' | 'lastError' | 'endpoint'> & { light: LineStatus['plc']['light'] } {
    const state: LineStatus['plc']['state'] = !this.linkUp ? (this.phase === 'connecting' && !this.lastError ? 'connecting' : 'disconnected') : this.phase === 'connecting' ? 'connecting' : this.phase
    const light = state === 'fault' || state === 'disconnected' ? 'red' : state === 'connecting' ? 'amber' : 'green'
    return { state, light, endpoint: this.options.bank.endpoint, counters: { ...this.counters }, lastMessage: this.lastMessage, lastError: this.lastError }
  }

  // ---- the loop ------------------------------------------------------------------------

  private async loop(): Promise<void> {
    while (!this.closed) {
      let progressed = false
      try {
        if (this.phase === 'connecting') await this.connect()
        else progressed = await this.step()
      } catch (error) {
        if (!(error instanceof PlcLinkError)) {
          // A bug of ours must not stop the line silently: say so, and keep polling.
          this.lastError = `PLC handshake error: ${(error as Error).message}`
          this.options.onIncident?.(this.lastError)
          this.changed()
          await this.sleep(Math.max(100, this.options.pollMs))
          continue
        }
        this.linkLost(error.message)
        await this.sleep(this.reconnectWait)
        this.reconnectWait = Math.min(this.options.reconnectMaxMs ?? 2000, this.reconnectWait * 2)
        continue
      }
      // After a step that moved the handshake on, look again at once; otherwise wait a poll.
      if (this.phase !== 'connecting' && !progressed) await this.sleep(this.options.pollMs)
    }
  }

  private async connect(): Promise<void> {
    try {
      await this.options.bank.open()
    } catch (error) {
      throw new PlcLinkError(this.options.bank.endpoint, (error as Error).message)
    }
    this.linkUp = true
    this.reconnectWait = this.options.reconnectMinMs ?? 100
    const cycle = this.cycle
    if (!cycle) {
      await this.writeApp({ ready: 1, busy: 0, result: RESULT_CODE.NONE, part: 0, error: 'NONE' })
      this.phase = 'ready'
      this.lastError = null
      this.changed()
      return
    }
    // A part was in progress when the link went. If our last write (the clear after ACK)
    // reached the PLC, that part is done; otherwise its result becomes ERROR.
    const [ready, , result] = await this.options.bank.read(APP_BLOCK.start, APP_BLOCK.length)
    if (ready === 1 && result === RESULT_CODE.NONE && cycle.reported) {
      this.finishCycle()
      return
    }
    cycle.outcome = { result: 'ERROR', error: 'CONNECTION_LOST' }
    await this.writeResult(cycle)
    this.lastError = null
  }

  /** One poll and at most one transition; true when the handshake moved on. */
  private async step(): Promise<boolean> {
    const now = Date.now()
    if (now - this.heartbeatAt >= this.options.heartbeatMs) {
      this.heartbeat = (this.heartbeat + 1) & 0xffff
      this.heartbeatAt = now
      await this.options.bank.write(REG.HEARTBEAT, [this.heartbeat])
    }
    const [trigger, partHi, partLo, ack] = await this.options.bank.read(PLC_BLOCK.start, PLC_BLOCK.length)
    const cycle = this.cycle
    switch (this.phase) {
      case 'ready':
        if (trigger !== 1 || ack !== 0) return false
        await this.beginCycle(joinWords(partHi!, partLo!))
        return true
      case 'busy':
        if (!cycle) return false
        if (!cycle.outcome && Date.now() > cycle.deadline) cycle.outcome = { result: 'ERROR', error: 'RESULT_TIMEOUT' }
        if (!cycle.outcome) return false
        await this.writeResult(cycle)
        return true
      case 'waiting-ack':
      case 'fault':
        if (!cycle) return false
        if (ack === 1) {
          await this.writeApp({ ready: 1, busy: 0, result: RESULT_CODE.NONE, part: 0, error: 'NONE' })
          this.finishCycle()
          return false
        }
        if (this.phase === 'waiting-ack' && Date.now() > cycle.ackDeadline) {
          // The PLC may have missed the result: make sure it reads a reject if it looks late.
          cycle.outcome = { result: 'ERROR', error: 'NO_ACK' }
          await this.writeResult(cycle)
          this.phase = 'fault'
          this.lastError = `The PLC did not acknowledge part ${cycle.part} within ${this.options.ackTimeoutMs} ms; RESULT is now ERROR. Waiting for ACK.`
          this.options.onIncident?.(this.lastError)
          this.changed()
        }
        return false
      default:
        return false
    }
  }

  private async beginCycle(part: number): Promise<void> {
    const now = Date.now()
    const cycle: Cycle = { part, outcome: null, deadline: now + this.options.resultTimeoutMs, ackDeadline: 0, reported: null }
    this.cycle = cycle
    this.counters.pending = 1
    this.phase = 'busy'
    await this.writeApp({ ready: 0, busy: 1, result: RESULT_CODE.NONE, part: 0, error: 'NONE' })
    this.changed()
    void this.options
      .inspect(part)
      .then(plcResultFor, () => ({ result: 'ERROR' as const, error: 'ENGINE_ERROR' as const }))
      .then((outcome) => {
        if (!cycle.outcome) cycle.outcome = outcome
        this.wake?.()
      })
  }

  private async writeResult(cycle: Cycle): Promise<void> {
    const outcome = cycle.outcome!
    await this.writeApp({ ready: 0, busy: 0, result: RESULT_CODE[outcome.result], part: cycle.part, error: outcome.error ?? 'NONE' })
    cycle.ackDeadline = Date.now() + this.options.ackTimeoutMs
    this.phase = 'waiting-ack'
    const before = cycle.reported
    if (before?.result !== outcome.result || before.error !== outcome.error) {
      // First result of this part, or a revision to ERROR (no ACK, link lost): counted once.
      if (before) {
        if (before.result === 'ERROR') this.counters.failed--
        else this.counters.sent--
      }
      cycle.reported = { ...outcome }
      if (outcome.result === 'ERROR') this.counters.failed++
      else this.counters.sent++
      const event: PlcResultEvent = { part: cycle.part, result: outcome.result, error: outcome.error, time: new Date().toISOString(), revised: before !== null }
      this.lastMessage = { partId: String(cycle.part), result: outcome.result, time: event.time }
      this.emit('result', event)
    }
    this.changed()
  }

  private finishCycle(): void {
    this.cycle = null
    this.counters.pending = 0
    this.phase = 'ready'
    if (this.lastError?.startsWith('The PLC did not acknowledge')) this.lastError = null
    this.changed()
  }

  private writeApp(v: { ready: number; busy: number; result: number; part: number; error: keyof typeof ERROR_CODE }): Promise<void> {
    const [hi, lo] = splitWords(v.part)
    return this.options.bank.write(APP_BLOCK.start, [v.ready, v.busy, v.result, hi, lo, ERROR_CODE[v.error]])
  }

  private linkLost(message: string): void {
    const wasUp = this.linkUp
    this.linkUp = false
    this.phase = 'connecting'
    this.lastError = message
    void this.options.bank.close().catch(() => undefined)
    if (wasUp) {
      this.options.onIncident?.(`${message}. Reconnecting; a part in progress gets ERROR.`)
      this.changed()
    }
  }

  private changed(): void {
    this.emit('status')
  }

  private sleep(ms: number): Promise<void> {
    if (this.closed) return Promise.resolve()
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms)
      function done(): void {
        clearTimeout(timer)
        resolve()
      }
      this.wake = () => {
        this.wake = null
        done()
      }
    })
  }
}
