import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connectAsync } from 'mqtt'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LocalInspectionEngine } from '../../../electron/services/inspection/local-engine'
import { storeModelLoader } from '../../../electron/services/inspection/manager'
import { InspectionService } from '../../../electron/services/inspection/service'
import { LineOutputs } from '../../../electron/services/line/line-outputs'
import { SETTING_LINE } from '../../../electron/services/line/line-settings'
import { ERROR_CODE } from '../../../electron/services/line/plc-registers'
import { PlcSimulator } from '../../../electron/services/line/plc-simulator'
import { ModbusServerBank } from '../../../electron/services/line/register-bank'
import type { ProjectStore } from '../../../electron/store/project-store'
import { generateSyntheticSet } from '../../support/synthetic-defects'
import { createTinyProject } from '../inspection/fixture'
import { startBroker, type TestBroker } from './broker'

/**
 * The app's path: LineOutputs on a real InspectionService (tiny real model). A PLC trigger
 * asks the "screen" to capture (the inspection:trigger event); the test plays the screen and
 * submits a frame with the PLC's part id, as InspectView does.
 */
let dir: string
let store: ProjectStore
let engine: LocalInspectionEngine
let service: InspectionService
let broker: TestBroker
let image: Buffer

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ds-line-outputs-'))
  store = createTinyProject(dir)
  const set = await generateSyntheticSet({ root: join(dir, 'gen'), seed: 3, counts: { ok: 1 }, width: 40, height: 40 })
  image = readFileSync(set.files[0]!.path)
  engine = new LocalInspectionEngine(storeModelLoader(store), { threads: 1 })
  broker = await startBroker()
})
afterAll(async () => {
  await service?.close()
  await engine?.release()
  store?.close()
  await broker?.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('LineOutputs in the app', () => {
  it('PLC triggers become screen captures; a stopped inspection answers ERROR (not running); every verdict also goes to MQTT', async () => {
    const events: Array<{ event: string; payload: unknown }> = []
    let line: LineOutputs | null = null
    const emit = (event: string, payload: unknown): void => {
        events.push({ event, payload })
        // The Inspect screen: capture a frame for the triggered part.
        if (event === 'inspection:trigger') {
          const { partId } = payload as { partId?: string }
          void service.submit({ image, capturedAt: Date.now(), source: 'camera', triggered: true, ...(partId ? { partId } : {}) })
        }
    }
    service = new InspectionService({ project: store, engine, emit })
    const plcBank = new ModbusServerBank({ host: '127.0.0.1', port: 0, unitId: 1, baseAddress: 0 })
    await plcBank.open()
    const consumer = await connectAsync(broker.url)
    const received: string[] = []
    consumer.on('message', (_t, p) => received.push(p.toString()))
    await consumer.subscribeAsync('defect-studio/test-line/verdict', { qos: 1 })

    line = new LineOutputs({ project: store, service, emit })
    await line.updateSettings({
      mqtt: { enabled: true, url: broker.url, line: 'test-line', password: 'pw-1', username: 'cam' },
      plc: { enabled: true, mode: 'client', host: '127.0.0.1', port: plcBank.port(), pollMs: 5, ackTimeoutMs: 1000, resultTimeoutMs: 30_000 }
    })
    // The password is stored, never handed back.
    expect(line.settings().mqtt.password).toBeNull()
    expect(line.status().mqtt.passwordSet).toBe(true)
    expect(store.settings.get<{ mqtt: { password: string } }>(SETTING_LINE, { mqtt: { password: '' } }).mqtt.password).toBe('pw-1')

    // Part 1 while the inspection is stopped: ERROR (not running).
    const first = new PlcSimulator({ bank: plcBank, parts: 1, firstPart: 1, pollMs: 2 })
    await first.run()
    expect(first.latched.map((r) => [r.part, r.result, r.errorCode])).toEqual([[1, 'ERROR', ERROR_CODE.NOT_RUNNING]])

    // Parts 2-4 with the camera running: real verdicts, part ids from the PLC.
    await service.start({ source: 'camera' })
    const next = new PlcSimulator({ bank: plcBank, parts: 3, firstPart: 2, pollMs: 2 })
    await next.run()
    const records = service.listHistory({}, { limit: 10, offset: 0 }).rows.reverse()
    expect(records.map((r) => r.partId)).toEqual(['2', '3', '4'])
    expect(next.latched.map((r) => r.result)).toEqual(records.map((r) => (r.verdict === 'PASS' ? 'OK' : r.verdict === 'FAIL' ? 'NG' : 'ERROR')))

    expect(await line.drained(10_000)).toBe(true)
    const end = Date.now() + 10_000
    while (received.length < 3 && Date.now() < end) await new Promise((r) => setTimeout(r, 20))
    expect(received.map((m) => (JSON.parse(m) as { partId: string }).partId)).toEqual(['2', '3', '4'])
    // The app hears the answer to its last write after the PLC has seen it.
    const acked = Date.now() + 5000
    while (line.status().plc.counters.pending !== 0 && Date.now() < acked) await new Promise((r) => setTimeout(r, 10))
    expect(line.status().plc.counters).toEqual({ sent: 3, failed: 1, pending: 0 })
    await new Promise((r) => setTimeout(r, 250))
    expect(events.some((e) => e.event === 'line:changed')).toBe(true)

    // A bad setting is refused with the field named; nothing changes.
    await expect(line.updateSettings({ mqtt: { url: 'http://broker' } })).rejects.toThrow(/mqtt\.url: use mqtt:\/\/host:port/)
    expect(line.settings().mqtt.url).toBe(broker.url)
    await line.close()
    await consumer.endAsync(true)
    await plcBank.close()
  })
})
