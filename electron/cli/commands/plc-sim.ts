import { parseHostPort } from '../../services/line/line-settings'
import { ERROR_CODE } from '../../services/line/plc-registers'
import { PlcSimulator, type LatchedResult } from '../../services/line/plc-simulator'
import { ModbusClientBank, ModbusServerBank } from '../../services/line/register-bank'
import { optionalNumber, printJson, UsageError, type CliCommand } from '../command'

/**
 * `defect-studio plc-sim`: the simulated PLC the tests use, to rehearse the handshake
 * without one. By default a Modbus TCP server (the app connects with `--plc HOST:PORT` or
 * PLC mode "client"); `--connect HOST:PORT` plays a PLC that connects to an app in server mode.
 */
export const plcSimCommand: CliCommand = {
  name: 'plc-sim',
  summary: 'Simulated PLC (Modbus TCP) that triggers parts and acknowledges results',
  usage: [
    'Usage: defect-studio plc-sim [--port N] [--host H] [--connect HOST:PORT] [--parts N] [--interval-ms N]',
    '         [--base N] [--unit N] [--never-ack] [--json]',
    '',
    '  --port N          listen on this port (default 5020; 502 needs administrator rights)',
    '  --host H          listen address (default 127.0.0.1)',
    '  --connect H:P     be the client of an app in PLC server mode instead of listening',
    '  --parts N         stop after N parts (default: until Ctrl+C)',
    '  --interval-ms N   pause between parts (default 500)',
    '  --base N          first holding register of the map (default 0); --unit N Modbus unit id (default 1)',
    '  --never-ack       never acknowledge a result (the app must turn it into ERROR)',
    '',
    'One line per part: part number, OK / NG / ERROR (with the error code), or MISSING when no result came.',
    'With --json: {"part","result","errorCode","error","time"} per part and a last {"summary":{...}} line.'
  ].join('\n'),
  options: {
    port: { type: 'string' },
    host: { type: 'string' },
    connect: { type: 'string' },
    parts: { type: 'string' },
    'interval-ms': { type: 'string' },
    base: { type: 'string' },
    unit: { type: 'string' },
    'never-ack': { type: 'boolean' }
  },
  async run(args, io) {
    const port = optionalNumber(args, 'port', { min: 1, max: 65535, integer: true }) ?? 5020
    const parts = optionalNumber(args, 'parts', { min: 1, max: 1e9, integer: true }) ?? Infinity
    const intervalMs = optionalNumber(args, 'interval-ms', { min: 0, max: 3_600_000, integer: true }) ?? 500
    const baseAddress = optionalNumber(args, 'base', { min: 0, max: 65000, integer: true }) ?? 0
    const unitId = optionalNumber(args, 'unit', { min: 0, max: 255, integer: true }) ?? 1
    const host = typeof args.values.host === 'string' ? args.values.host : '127.0.0.1'
    let bank: ModbusServerBank | ModbusClientBank
    if (typeof args.values.connect === 'string') {
      let target: { host: string; port: number }
      try {
        target = parseHostPort(args.values.connect, 502)
      } catch (error) {
        throw new UsageError(`--connect: ${(error as Error).message}`)
      }
      bank = new ModbusClientBank({ ...target, unitId, baseAddress, requestTimeoutMs: 1000 })
    } else {
      bank = new ModbusServerBank({ host, port, unitId, baseAddress })
      try {
        await bank.open()
      } catch (error) {
        throw new UsageError(`cannot listen on ${host}:${port}: ${(error as Error).message}`)
      }
    }
    const sim = new PlcSimulator({ bank, parts, intervalMs, neverAck: args.values['never-ack'] === true, pollMs: 5 })
    const errorNames = Object.fromEntries(Object.entries(ERROR_CODE).map(([k, v]) => [v, k]))
    sim.on('result', (r: LatchedResult) => {
      const error = r.result === 'ERROR' ? (errorNames[r.errorCode] ?? String(r.errorCode)) : null
      if (args.json) printJson(io, { ...r, error })
      else io.out(`part ${r.part}  ${r.result}${error ? ` (${error})` : ''}`)
    })
    sim.on('link', (up: boolean) => {
      if (!args.json && bank instanceof ModbusClientBank) io.err(up ? `connected to the app at ${bank.endpoint}` : `lost the app at ${bank.endpoint}; retrying`)
    })
    if (!args.json) io.err(bank instanceof ModbusServerBank ? `Simulated PLC listening on ${bank.endpoint} (unit ${unitId}, registers from ${baseAddress}). Ctrl+C to stop.` : `Simulated PLC connecting to ${bank.endpoint}.`)
    const stop = (): void => void sim.close()
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
    try {
      await sim.run().catch(() => undefined)
    } finally {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      await sim.close()
    }
    const count = (k: string): number => sim.latched.filter((r) => r.result === k).length
    const summary = { parts: sim.latched.length, OK: count('OK'), NG: count('NG'), ERROR: count('ERROR'), MISSING: count('MISSING') }
    if (args.json) printJson(io, { summary })
    else io.err(`${summary.parts} parts: ${summary.OK} OK, ${summary.NG} NG, ${summary.ERROR} ERROR, ${summary.MISSING} missing`)
    return summary.MISSING > 0 ? 1 : 0
  }
}
