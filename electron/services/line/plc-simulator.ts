import { EventEmitter } from 'node:events'
import { APP_BLOCK, joinWords, PLC_BLOCK, resultName, REG, RESULT_CODE, splitWords, type PlcResult } from './plc-registers'
import { PlcLinkError, type RegisterBank } from './register-bank'

/**
 * The PLC's side of the handshake, for `defect-studio plc-sim` and the tests: it presents
 * parts one after another (TRIGGER + part number), latches the result whose part echo
 * matches, acknowledges it and waits for the app to clear it. It runs on a RegisterBank,
 * so it can be the Modbus server the app connects to (the usual set-up) or a client of an
 * app in server mode. A lost link is retried; the current part is kept (a real PLC keeps its
 * state), so no part is skipped or presented twice.
 */
export interface PlcSimulatorOptions {
  bank: RegisterBank
  /** Stop after this many parts (Infinity = until closed). */
  parts: number
  /** First part number (then +1 per part). */
  firstPart?: number
  /** Pause between an acknowledged part and the next trigger. */
  intervalMs?: number
  pollMs?: number
  /** A part whose result does not come within this time is latched as 'MISSING'. */
  resultTimeoutMs?: number
  /** Rehearse a PLC that never acknowledges (the app must show ERROR). */
  neverAck?: boolean
  reconnectMs?: number
}

export interface LatchedResult {
  part: number
  result: PlcResult | 'MISSING'
  errorCode: number
  time: string
}

export class PlcSimulator extends EventEmitter {
  readonly latched: LatchedResult[] = []
  private closed = false
  private done: Promise<void> | null = null
  private linkUp = false

  constructor(private readonly options: PlcSimulatorOptions) {
    super()
  }

  /** Run until `parts` are latched or close(); resolves with every latched result. */
  run(): Promise<void> {
    this.done ??= this.loop()
    return this.done
  }

  async close(): Promise<void> {
    this.closed = true
    await this.done?.catch(() => undefined)
    await this.options.bank.close()
  }

  private async loop(): Promise<void> {
    const first = this.options.firstPart ?? 1
    for (let i = 0; i < this.options.parts && !this.closed; i++) {
      const part = first + i
      const [hi, lo] = splitWords(part)
      // 1. Wait until the app is ready (and our previous ACK is down), then trigger.
      await this.until(async () => {
        const [ready, , result] = await this.appBlock()
        return ready === 1 && result === RESULT_CODE.NONE
      })
      await this.io(() => this.options.bank.write(PLC_BLOCK.start, [1, hi, lo, 0]))
      this.emit('trigger', part)
      // 2. Wait for this part's result.
      const deadline = Date.now() + (this.options.resultTimeoutMs ?? 30_000)
      let latched: LatchedResult | null = null
      await this.until(async () => {
        const [, , result, rHi, rLo, errorCode] = await this.appBlock()
        const name = resultName(result!)
        if (name && joinWords(rHi!, rLo!) === part) {
          latched = { part, result: name, errorCode: errorCode!, time: new Date().toISOString() }
          return true
        }
        if (Date.now() > deadline) {
          latched = { part, result: 'MISSING', errorCode: 0, time: new Date().toISOString() }
          return true
        }
        return false
      })
      if (!latched) return
      this.latched.push(latched)
      this.emit('result', latched)
      if (this.options.neverAck) {
        // Hold the part: the app's ack timeout must turn its result into ERROR.
        await this.until(async () => false)
        return
      }
      // 3. Acknowledge, wait for the app to clear the result, drop the ACK.
      await this.io(() => this.options.bank.write(PLC_BLOCK.start, [0, hi, lo, 1]))
      await this.until(async () => (await this.appBlock())[2] === RESULT_CODE.NONE)
      await this.io(() => this.options.bank.write(REG.ACK, [0]))
      if (this.options.intervalMs) await sleep(this.options.intervalMs)
    }
  }

  private appBlock(): Promise<number[]> {
    return this.io(() => this.options.bank.read(APP_BLOCK.start, APP_BLOCK.length))
  }

  /** Poll `check` until it holds (or the simulator closes). */
  private async until(check: () => Promise<boolean>): Promise<void> {
    while (!this.closed) {
      if (await check()) return
      await sleep(this.options.pollMs ?? 2)
    }
  }

  /** One request; a lost link is reopened and the request repeated (idempotent writes only). */
  private async io<T>(request: () => Promise<T>): Promise<T> {
    for (;;) {
      try {
        if (!this.linkUp) {
          await this.options.bank.open()
          this.linkUp = true
          this.emit('link', true)
        }
        return await request()
      } catch (error) {
        if (this.closed) throw error
        if (this.linkUp) this.emit('link', false)
        this.linkUp = false
        void this.options.bank.close().catch(() => undefined)
        if (!(error instanceof PlcLinkError) && !(error instanceof Error)) throw error
        await sleep(this.options.reconnectMs ?? 100)
      }
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
