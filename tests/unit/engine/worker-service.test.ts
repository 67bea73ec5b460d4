import { join } from 'node:path'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { Router } from '../../../electron/services/router'
import { EngineService, engineDoctorInfo, formatEngineDoctorInfo, toAppEngineStatus } from '../../../electron/services/engine-service'
import { engineHandlers } from '../../../electron/services/handlers/engine'

const weightsFile = join(__dirname, '../../fixtures/torch/resnet18-w0125-c3.safetensors')
const image = join(__dirname, '../../fixtures/preprocess/colour-97x61.png')
const ctx = { trusted: true, origin: 'test' }

let engine: EngineService | undefined
beforeEach(async () => {
  process.env.DEFECT_STUDIO_DATA_DIR = await mkdtemp(join(tmpdir(), 'ds-engine-'))
})
afterEach(async () => {
  await engine?.dispose()
  engine = undefined
})

describe('engine service and its router handlers', () => {
  it('reports provider and reason, predicts through the router, and reloads models after a worker crash', async () => {
    engine = new EngineService({ provider: 'cpu', threads: 1, host: { testHooks: true } })
    const info = await engine.start()
    expect(info).toMatchObject({ state: 'ready', provider: 'cpu', providerReason: 'CPU was requested.', restarts: 0, lastCrash: null })
    expect(info.weights.source).toBe('random')
    expect(toAppEngineStatus(info)).toEqual({ state: 'ready', provider: 'cpu', providerReason: 'CPU was requested.' })
    const router = new Router()
    router.register(engineHandlers({ engine }))
    const r = await router.handle('engine:predict', { weightsFile, images: [image], size: 64, fit: 'whole', heatmap: true }, ctx)
    expect(r.ok).toBe(true)
    const first = (r as { ok: true; value: { results: Array<{ logits: number[]; heatmap?: { width: number } }> } }).value.results[0]!
    expect(first.logits).toHaveLength(3)
    expect(first.heatmap!.width).toBe(97)

    const crashed = new Promise((resolve) => engine!.once('crashed', resolve))
    await expect(engine.host.call('crash', {})).rejects.toThrow(/restarted/)
    await crashed
    const again = await router.handle('engine:predict', { weightsFile, images: [image], size: 64, fit: 'whole', heatmap: true }, ctx)
    expect(again.ok).toBe(true)
    expect((again as { ok: true; value: { results: Array<{ logits: number[] }> } }).value.results[0]!.logits).toEqual(first.logits)
    const after = await router.handle('engine:info', {}, ctx)
    expect((after as { ok: true; value: { restarts: number; lastCrash: unknown } }).value).toMatchObject({ restarts: 1, lastCrash: { reason: 'exit code 3' } })
  })

  it('bad input comes back as a user-facing error, not a crash', async () => {
    engine = new EngineService({ provider: 'cpu', threads: 1 })
    const router = new Router()
    router.register(engineHandlers({ engine }))
    const bad = await router.handle('engine:predict', { weightsFile: image, images: [image] }, ctx)
    expect(bad).toMatchObject({ ok: false, error: { code: 'failed', message: expect.stringMatching(/colour-97x61\.png: .*not a valid \.safetensors/) } })
    const missing = await router.handle('engine:weights-import', { file: '/nope.safetensors' }, ctx)
    expect(missing).toMatchObject({ ok: false, error: { code: 'not-found' } })
    const invalid = await router.handle('engine:predict', { weightsFile, images: [] }, ctx)
    expect(invalid).toMatchObject({ ok: false, error: { code: 'invalid-payload' } })
  })

  it('doctor info lists ORT, every provider with a reason, where weights are looked for, the data folder', async () => {
    const info = await engineDoctorInfo()
    expect(info.dataDir).toBe(process.env.DEFECT_STUDIO_DATA_DIR)
    expect(info.providers.map((p) => p.name)).toEqual(['cuda', 'dml', 'coreml', 'webgpu', 'cpu'])
    const text = formatEngineDoctorInfo(info).join('\n')
    expect(text).toMatch(/onnxruntime-node \d/)
    expect(text).toMatch(/webgpu .*opt-in/)
    expect(text).toMatch(/1\. .*weights \(downloaded or imported\)/)
    expect(text).toMatch(/random initialisation/)
  })
})
