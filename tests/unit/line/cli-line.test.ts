import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connectAsync } from 'mqtt'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from '../../../electron/cli/index'
import { generateSyntheticSet } from '../../support/synthetic-defects'
import { createTinyProject } from '../inspection/fixture'
import { startBroker, type TestBroker } from './broker'
import { TcpCutter } from './tcp-cutter'
import { createServer } from 'node:net'
import { captureIo as capture } from '../../support/cli-harness'

/**
 * The whole line from the command line, as an engineer rehearses it: `plc-sim` plays the PLC,
 * `inspect --plc --mqtt` inspects one image per trigger with the tiny real model, answers the
 * PLC and publishes each verdict to a real broker, while the broker restarts and the PLC
 * cable is pulled once.
 */
let dir: string
let project: string
let parts: string
let broker: TestBroker

beforeAll(async () => {
  process.env.DEFECT_STUDIO_DATA_DIR = join(tmpdir(), 'ds-data')
  dir = mkdtempSync(join(tmpdir(), 'ds-cli-line-'))
  const store = createTinyProject(dir)
  project = store.file
  store.close()
  parts = join(dir, 'parts')
  mkdirSync(parts)
  const set = await generateSyntheticSet({ root: join(dir, 'gen'), seed: 11, counts: { ok: 4, scratch: 4 }, width: 40, height: 40 })
  set.files.forEach((f, i) => copyFileSync(f.path, join(parts, `cam-${String(i).padStart(2, '0')}.png`)))
  broker = await startBroker()
})
afterAll(async () => {
  await broker?.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('inspect --plc --mqtt with plc-sim', () => {
  it('every image gets one PLC result and one MQTT message equal to its --json line, across a broker restart and a pulled PLC cable', async () => {
    const plcPort = await freePort()
    const cable = new TcpCutter({ host: '127.0.0.1', port: plcPort })
    const consumer = await connectAsync(broker.url, { clientId: 'line-consumer', clean: false, reconnectPeriod: 100 })
    const received: string[] = []
    consumer.on('message', (_t, p) => received.push(p.toString()))
    await consumer.subscribeAsync('defect-studio/cell-7/verdict', { qos: 1 })

    const sim = capture()
    const simRun = runCli(['plc-sim', '--port', String(plcPort), '--parts', '8', '--interval-ms', '0', '--json'], sim.io)
    await cable.start()
    const app = capture()
    let restarted = false
    const watcher = setInterval(() => {
      const results = sim.out.filter((l) => !l.includes('summary')).length
      if (results >= 2 && !restarted) {
        restarted = true
        void broker.restart()
      }
      if (results >= 5 && cable.cuts === 0) cable.cut()
    }, 5)
    const code = await runCli(
      ['inspect', '--project', project, '--from', parts, '--json', '--deadline-ms', '60000', '--plc', `127.0.0.1:${cable.port}`, '--mqtt', broker.url, '--mqtt-line', 'cell-7'],
      app.io
    )
    clearInterval(watcher)
    expect(code).toBe(0)
    expect(await simRun).toBe(0)
    await cable.stop()

    const lines = app.out.map((l) => JSON.parse(l) as { partId: string; verdict: string; inspectionId: number })
    expect(lines).toHaveLength(8)
    expect(lines.map((l) => l.partId)).toEqual(['1', '2', '3', '4', '5', '6', '7', '8'])
    const simLines = sim.out.map((l) => JSON.parse(l) as { part?: number; result?: string; summary?: Record<string, number> })
    const latched = simLines.filter((l) => l.part !== undefined)
    expect(latched.map((l) => l.part)).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
    for (const l of latched) {
      const verdict = lines[l.part! - 1]!.verdict
      // The PLC gets the verdict, or ERROR for a part caught by the pulled cable; never the opposite verdict.
      expect([verdict === 'PASS' ? 'OK' : verdict === 'FAIL' ? 'NG' : 'ERROR', 'ERROR']).toContain(l.result)
    }
    expect(restarted).toBe(true)
    expect(cable.cuts).toBeGreaterThanOrEqual(1)

    // MQTT: exactly the --json lines, in order (a QoS 1 copy may repeat; first arrivals count).
    const end = Date.now() + 15_000
    while (new Set(received).size < 8 && Date.now() < end) await new Promise((r) => setTimeout(r, 20))
    await consumer.endAsync(true)
    expect([...new Set(received)]).toEqual(app.out)
  })

  it('refuses bad line flags with a reason', async () => {
    for (const [flags, message] of [
      [['--plc', 'host:99999'], /--plc: port in "host:99999" must be 1-65535/],
      [['--mqtt', 'http://x'], /mqtt\.url: use mqtt:\/\/host:port/],
      [['--mqtt-qos', '2', '--mqtt', 'mqtt://127.0.0.1:1'], /--mqtt-qos must be 0 or 1/],
      [['--plc-mode', 'server'], /--plc-mode needs --plc/]
    ] as const) {
      const { io, err } = capture()
      const code = await runCli(['inspect', '--project', project, '--from', parts, ...flags], io)
      expect(code).toBe(2)
      expect(err.join('\n')).toMatch(message)
    }
  })
})

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer()
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port
      s.close(() => resolve(port))
    })
  })
}
