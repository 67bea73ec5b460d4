import { afterEach, describe, expect, it } from 'vitest'
import { PlcHandshake, type PlcInspectOutcome, type PlcResultEvent } from '../../../electron/services/line/plc-handshake'
import { APP_BLOCK, ERROR_CODE, RESULT_CODE } from '../../../electron/services/line/plc-registers'
import { ModbusClientBank, ModbusServerBank } from '../../../electron/services/line/register-bank'
import { PlcSimulator } from '../../../electron/services/line/plc-simulator'
import { TcpCutter } from './tcp-cutter'

/**
 * The PLC handshake against a simulated PLC built on the same Modbus library, over real
 * TCP on 127.0.0.1. Timeouts are short so the suite stays quick; the logic is the same as
 * with the defaults.
 */
const cleanup: Array<() => Promise<void>> = []
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!().catch(() => undefined)
})

const FAST = { pollMs: 1, resultTimeoutMs: 2000, ackTimeoutMs: 1000, heartbeatMs: 200, reconnectMinMs: 20, reconnectMaxMs: 100 }

/** A verdict that depends on the part number only, so the expected result of every part is known. */
function expectedVerdict(part: number): PlcInspectOutcome {
  return part % 7 === 0 ? { verdict: 'FAIL', reason: null } : { verdict: 'PASS', reason: null }
}
const expectedResult = (part: number): 'OK' | 'NG' => (part % 7 === 0 ? 'NG' : 'OK')

async function plcServer(): Promise<ModbusServerBank> {
  const bank = new ModbusServerBank({ host: '127.0.0.1', port: 0, unitId: 1, baseAddress: 100 })
  await bank.open()
  cleanup.push(() => bank.close())
  return bank
}

function appClient(port: number, inspect: (part: number) => Promise<PlcInspectOutcome>, over: Partial<typeof FAST> = {}): PlcHandshake {
  const bank = new ModbusClientBank({ host: '127.0.0.1', port, unitId: 1, baseAddress: 100, requestTimeoutMs: 300 })
  const app = new PlcHandshake({ bank, inspect, ...FAST, ...over })
  app.start()
  cleanup.push(() => app.close())
  return app
}

function simulator(bank: ModbusServerBank | ModbusClientBank, parts: number, extra: Partial<ConstructorParameters<typeof PlcSimulator>[0]> = {}): PlcSimulator {
  const sim = new PlcSimulator({ bank, parts, pollMs: 1, resultTimeoutMs: 5000, reconnectMs: 20, ...extra })
  cleanup.push(() => sim.close())
  return sim
}

describe('PLC handshake over Modbus TCP', () => {
  it('1,000 parts in a row with two dropped connections: every part gets exactly one result, faults only as ERROR', async () => {
    const plc = await plcServer()
    const cable = new TcpCutter({ host: '127.0.0.1', port: plc.port() })
    cleanup.push(() => cable.stop())
    await cable.start()
    const inspected: number[] = []
    const app = appClient(cable.port, async (part) => {
      inspected.push(part)
      return expectedVerdict(part)
    })
    const appResults: PlcResultEvent[] = []
    app.on('result', (e: PlcResultEvent) => appResults.push(e))
    const sim = simulator(plc, 1000)
    sim.on('result', (r: { part: number }) => {
      if (r.part === 300 || r.part === 700) cable.cut()
    })
    // A cut in the middle of a part as well, not only between parts.
    sim.on('trigger', (part: number) => {
      if (part === 501) setTimeout(() => cable.cut(), 0)
    })
    const started = Date.now()
    await sim.run()
    const seconds = (Date.now() - started) / 1000

    const parts = sim.latched.map((r) => r.part)
    expect(parts).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1))
    expect(new Set(parts).size).toBe(1000)
    const wrong = sim.latched.filter((r) => r.result !== expectedResult(r.part))
    // A part caught by a cut may end as ERROR (a reject); never as the opposite verdict.
    for (const r of wrong) expect(r.result).toBe('ERROR')
    expect(wrong.length).toBeLessThanOrEqual(3)
    expect(sim.latched.filter((r) => r.result === 'MISSING')).toEqual([])
    expect(cable.cuts).toBe(3)
    // No part inspected twice.
    expect(new Set(inspected).size).toBe(inspected.length)
    console.log(`PLC handshake: 1000 parts in ${seconds.toFixed(1)} s (${(1000 / seconds).toFixed(0)} parts/s), ${cable.cuts} cuts, ${wrong.length} ERROR by a cut`)
  })

  it('a PLC that never acknowledges: the result turns to ERROR (NO_ACK) and the status shows a fault', async () => {
    const plc = await plcServer()
    const app = appClient(plc.port(), async () => ({ verdict: 'PASS', reason: null }), { ackTimeoutMs: 150 })
    const sim = simulator(plc, 1, { neverAck: true })
    void sim.run()
    await waitFor(() => app.status().state === 'fault')
    const [ready, busy, result, , , errorCode] = plc.registers.read(APP_BLOCK.start, APP_BLOCK.length)
    expect({ ready, busy, result, errorCode }).toEqual({ ready: 0, busy: 0, result: RESULT_CODE.ERROR, errorCode: ERROR_CODE.NO_ACK })
    expect(sim.latched.map((r) => r.result)).toEqual(['OK'])
    const status = app.status()
    expect(status.light).toBe('red')
    expect(status.counters).toEqual({ sent: 0, failed: 1, pending: 1 })
    expect(status.lastError).toMatch(/did not acknowledge part 1/)
  })

  it('engine error, NO_VERDICT and an inspection that never answers all reach the PLC as ERROR', async () => {
    const plc = await plcServer()
    const app = appClient(
      plc.port(),
      (part) => {
        if (part === 1) return Promise.reject(new Error('engine crashed'))
        if (part === 2) return Promise.resolve({ verdict: 'NO_VERDICT', reason: 'camera-lost' })
        if (part === 3) return new Promise<PlcInspectOutcome>(() => undefined)
        if (part === 4) return Promise.resolve({ verdict: 'NO_VERDICT', reason: 'deadline' })
        return Promise.resolve({ verdict: 'FAIL', reason: null })
      },
      { resultTimeoutMs: 200 }
    )
    const sim = simulator(plc, 5)
    await sim.run()
    expect(sim.latched.map((r) => [r.result, r.errorCode])).toEqual([
      ['ERROR', ERROR_CODE.ENGINE_ERROR],
      ['ERROR', ERROR_CODE.CAMERA_LOST],
      ['ERROR', ERROR_CODE.RESULT_TIMEOUT],
      ['ERROR', ERROR_CODE.DEADLINE],
      ['NG', 0]
    ])
    expect(app.status().counters).toEqual({ sent: 1, failed: 4, pending: 0 })
  })

  it('a connection lost while a part is inspected gives that part ERROR, never its late OK', async () => {
    const plc = await plcServer()
    const cable = new TcpCutter({ host: '127.0.0.1', port: plc.port() })
    cleanup.push(() => cable.stop())
    await cable.start()
    const app = appClient(cable.port, async (part) => {
      if (part === 2) {
        cable.cut()
        await new Promise((r) => setTimeout(r, 50))
      }
      return { verdict: 'PASS', reason: null }
    })
    const sim = simulator(plc, 3)
    await sim.run()
    expect(sim.latched.map((r) => [r.part, r.result, r.errorCode])).toEqual([
      [1, 'OK', 0],
      [2, 'ERROR', ERROR_CODE.CONNECTION_LOST],
      [3, 'OK', 0]
    ])
    // The app hears the answer to its last write after the PLC has seen it.
    await waitFor(() => app.status().state === 'ready')
  })

  it('app as the Modbus server, the PLC as client: parts flow and survive the PLC reconnecting', async () => {
    const appBank = new ModbusServerBank({ host: '127.0.0.1', port: 0, unitId: 1, baseAddress: 0 })
    const app = new PlcHandshake({ bank: appBank, inspect: async (part) => expectedVerdict(part), ...FAST })
    app.start()
    cleanup.push(() => app.close())
    await waitFor(() => appBank.port() > 0)
    const plcBank = new ModbusClientBank({ host: '127.0.0.1', port: appBank.port(), unitId: 1, baseAddress: 0, requestTimeoutMs: 300 })
    const sim = simulator(plcBank, 60)
    sim.on('result', (r: { part: number }) => {
      if (r.part === 20 || r.part === 40) appBank.dropPeers()
    })
    await sim.run()
    expect(sim.latched.map((r) => r.part)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1))
    expect(sim.latched.every((r) => r.result === expectedResult(r.part))).toBe(true)
  })
})

async function waitFor(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out waiting for the condition')
    await new Promise((r) => setTimeout(r, 5))
  }
}
