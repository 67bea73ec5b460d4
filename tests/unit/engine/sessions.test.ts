import * as ort from 'onnxruntime-node'
import { afterEach, describe, expect, it } from 'vitest'
import { OnnxGraph } from '../../../electron/engine/onnx/graph'
import { createSession, ModelLoadError, ortVersion, providerAvailability, requestedProvider, resetProviderFailures } from '../../../electron/engine/infer/sessions'

/** y = Relu(x): the smallest model that proves a session runs. */
function reluModel(): Uint8Array {
  const g = new OnnxGraph('relu')
  g.input('x', 'float32', ['N', 4])
  g.output(g.op1('Relu', ['x']), 'y', 'float32', ['N', 4])
  return g.toBytes()
}

async function runRelu(session: ort.InferenceSession): Promise<number[]> {
  const out = await session.run({ x: new ort.Tensor('float32', Float32Array.from([-1, 2, -3, 4]), [1, 4]) })
  return Array.from(out.y!.data as Float32Array)
}

const cudaInstalled = providerAvailability().find((p) => p.name === 'cuda')!.available

afterEach(() => {
  delete process.env.DEFECT_STUDIO_PROVIDER
  resetProviderFailures()
})

describe('execution providers', () => {
  it('reports the ORT version and every provider with a reason', () => {
    expect(ortVersion()).toMatch(/^\d+\.\d+/)
    const list = providerAvailability()
    expect(list.map((p) => p.name)).toEqual(['cuda', 'dml', 'coreml', 'webgpu', 'cpu'])
    for (const p of list) expect(p.reason.length).toBeGreaterThan(10)
    expect(list.find((p) => p.name === 'webgpu')!.auto).toBe(false)
    // Platform rules: DirectML only on Windows, CoreML only on macOS, CUDA only on Linux.
    expect(providerAvailability('darwin', 'arm64').filter((p) => p.available).map((p) => p.name)).toEqual(['coreml', 'webgpu', 'cpu'])
    expect(providerAvailability('win32', 'x64').filter((p) => p.available).map((p) => p.name)).toEqual(['dml', 'webgpu', 'cpu'])
  })

  it('runs on CPU when asked, with the reason', async () => {
    const { session, provider, reason } = await createSession(reluModel(), { provider: 'cpu', threads: 1 })
    expect(provider).toBe('cpu')
    expect(reason).toBe('CPU was requested.')
    expect(await runRelu(session)).toEqual([0, 2, 0, 4])
  })

  it('auto picks CPU here and says why no GPU provider was used', async () => {
    const { provider, reason, session } = await createSession(reluModel())
    if (!cudaInstalled && process.platform === 'linux') {
      expect(provider).toBe('cpu')
      expect(reason).toMatch(/CUDA: CUDA add-on not installed/)
    }
    expect(await runRelu(session)).toEqual([0, 2, 0, 4])
  })

  it('a GPU provider that fails falls back to CPU with a message, never a crash (forced CUDA)', async () => {
    const first = await createSession(reluModel(), { provider: 'cuda' })
    if (!cudaInstalled) {
      expect(first.provider).toBe('cpu')
      expect(first.reason).toMatch(/^CUDA failed to start \(.+\); using CPU instead\.$/)
      // Remembered: the second session does not try again but reports the same reason.
      const second = await createSession(reluModel(), { provider: 'cuda' })
      expect(second.reason).toBe(first.reason)
    }
    expect(await runRelu(first.session)).toEqual([0, 2, 0, 4])
  })

  it('DEFECT_STUDIO_PROVIDER selects a provider; a bad value is reported and ignored', async () => {
    process.env.DEFECT_STUDIO_PROVIDER = 'webgpu'
    expect(requestedProvider()).toEqual({ request: 'webgpu' })
    const r = await createSession(reluModel())
    expect(['webgpu', 'cpu']).toContain(r.provider)
    if (r.provider === 'cpu') expect(r.reason).toMatch(/WebGPU failed to start/)
    else expect(r.reason).toBe('WebGPU was requested.')
    expect(await runRelu(r.session)).toEqual([0, 2, 0, 4])
    process.env.DEFECT_STUDIO_PROVIDER = 'tpu'
    expect(requestedProvider()).toEqual({ request: 'auto', note: expect.stringMatching(/DEFECT_STUDIO_PROVIDER="tpu" is not one of/) })
    // An explicit option wins over the environment.
    expect(requestedProvider('cpu')).toEqual({ request: 'cpu' })
  })

  it('a broken model is a ModelLoadError, not a crash', async () => {
    await expect(createSession(new Uint8Array([1, 2, 3, 4]), { provider: 'cpu' })).rejects.toThrow(ModelLoadError)
  })
})
