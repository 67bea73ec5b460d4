import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { Predictor } from '../../../electron/engine/infer/predictor'
import { initResnet18Weights } from '../../../electron/engine/models/resnet'
import { writeSafetensors } from '../../../electron/engine/models/safetensors'
import { loadResnetWeights } from '../../../electron/engine/models/weights'
import { WorkerCrashedError, WorkerHost, WorkerRequestError, type CrashReport } from '../../../electron/engine/worker-host'

const torchWeights = join(__dirname, '../../fixtures/torch/resnet18-w0125-c3.safetensors')
const images = ['colour-97x61.png', 'grey-50x80.png', 'rgba-64x64.png'].map((f) => join(__dirname, '../../fixtures/preprocess', f))

let host: WorkerHost | undefined
afterEach(async () => {
  await host?.dispose()
  host = undefined
})

function nextCrash(h: WorkerHost): Promise<CrashReport> {
  return new Promise((resolve) => h.once('crashed', resolve))
}

describe('engine worker', () => {
  it('answers typed requests; handler errors come back as errors with the message', async () => {
    host = new WorkerHost()
    const pong = await host.call('ping', { echo: 'hi' })
    expect(pong.echo).toBe('hi')
    expect(pong.threadId).toBeGreaterThan(0)
    await expect(host.call('predict:images', { key: 'nope', images: [], fit: 'whole' })).rejects.toThrow(/No model is loaded under "nope"/)
    await expect(host.call('predict:images', { key: 'nope', images: [], fit: 'whole' })).rejects.toBeInstanceOf(WorkerRequestError)
    // 'crash' is a test hook: refused unless the host enabled test hooks.
    await expect(host.call('crash', {})).rejects.toThrow(/test hook and is disabled/)
  })

  it('delivers progress messages and cancels a request through its AbortSignal', async () => {
    host = new WorkerHost()
    const progress: unknown[] = []
    const done = await host.call('wait', { ms: 150, tickMs: 20 }, { onProgress: (d) => progress.push(d) })
    expect(done.waited).toBeGreaterThanOrEqual(140)
    expect(progress.length).toBeGreaterThan(2)
    const controller = new AbortController()
    const pending = host.call('wait', { ms: 30_000, tickMs: 10 }, { signal: controller.signal, onProgress: () => controller.abort() })
    await expect(pending).rejects.toMatchObject({ name: 'CancelledError', message: 'Cancelled.' })
    // The worker is still healthy afterwards.
    expect((await host.call('ping', { echo: 'ok' })).echo).toBe('ok')
  })

  it('predicts in the worker exactly as in-process, heatmaps included', async () => {
    host = new WorkerHost()
    const loaded = await host.call('predict:load', { key: 'm', weightsFile: torchWeights, size: 64, heatmap: true, provider: 'cpu', threads: 1 })
    expect(loaded).toMatchObject({ numClasses: 3, width: 0.125, provider: 'cpu' })
    const { results } = await host.call('predict:images', { key: 'm', images, fit: 'crop', heatmap: true })
    const { weights } = await loadResnetWeights(torchWeights)
    const local = await Predictor.create({ weights, numClasses: 3, width: 0.125, size: 64, heatmap: true, provider: 'cpu', threads: 1 })
    const expected = await local.predictImages(images, { fit: 'crop', heatmap: true })
    await local.release()
    expect(results.map((r) => r.class)).toEqual(expected.map((r) => r.class))
    results.forEach((r, i) => {
      r.logits.forEach((v, k) => expect(v).toBeCloseTo(expected[i]!.logits[k]!, 5))
      expect(r.heatmap!.data).toBeInstanceOf(Float32Array)
      expect(Array.from(r.heatmap!.data)).toEqual(Array.from(expected[i]!.heatmap!.data))
    })
  })

  it('keeps the main thread responsive during a long inference (compared with running it in-process)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ds-worker-'))
    const file = join(dir, 'w.safetensors')
    const weights = initResnet18Weights({ numClasses: 2, width: 0.25, seed: 3 })
    await writeFile(file, writeSafetensors(weights))
    host = new WorkerHost()
    const S = 128
    await host.call('predict:load', { key: 'big', weightsFile: file, size: S, provider: 'cpu', threads: 1 })

    /**
     * Run `work` while a 10 ms timer ticks. `blocked` is the share of the run during which
     * the loop could not tick (time in gaps beyond 50 ms): ~1 when the work blocks the
     * main thread, small when it runs elsewhere, robust to a few scheduling hiccups on a
     * busy machine.
     */
    async function watchLoop(work: () => Promise<unknown>): Promise<{ duration: number; blocked: number; ticks: number }> {
      let last = performance.now()
      let blockedMs = 0
      let ticks = 0
      const account = (now: number): void => {
        if (now - last > 50) blockedMs += now - last - 10
        last = now
      }
      const timer = setInterval(() => {
        account(performance.now())
        ticks++
      }, 10)
      const t0 = performance.now()
      await work()
      account(performance.now())
      const duration = performance.now() - t0
      clearInterval(timer)
      return { duration, blocked: blockedMs / duration, ticks }
    }

    // Grow the batch until one inference takes at least 0.8 s.
    let n = 16
    let inWorker: { duration: number; blocked: number; ticks: number }
    for (;;) {
      const input = new Float32Array(n * 3 * S * S).fill(0.1)
      // Transferred, not copied: cloning tens of MB would itself block the main thread.
      inWorker = await watchLoop(() => host!.call('predict:tensor', { key: 'big', input, n }, { transfer: [input.buffer] }))
      if (inWorker.duration >= 800 || n >= 256) break
      n *= 2
    }
    // The same inference on the main thread blocks the loop for about its whole length.
    const local = await Predictor.create({ weights, numClasses: 2, width: 0.25, size: S, provider: 'cpu', threads: 1 })
    const input = new Float32Array(n * 3 * S * S).fill(0.1)
    const inProcess = await watchLoop(() => local.runBatch(input, n))
    await local.release()
    const detail = JSON.stringify({ n, inWorker, inProcess })
    expect(inProcess.blocked, detail).toBeGreaterThan(0.7)
    expect(inWorker.blocked, detail).toBeLessThan(inProcess.blocked / 2)
    expect(inWorker.ticks, detail).toBeGreaterThan(inProcess.ticks + 10)
  })

  it('a crashed worker is restarted and reported; in-flight requests fail with a clear error', async () => {
    host = new WorkerHost({ testHooks: true })
    await host.call('predict:load', { key: 'm', weightsFile: torchWeights, size: 64, provider: 'cpu', threads: 1 })
    const crashed = nextCrash(host)
    const dying = host.call('crash', { how: 'exit' })
    const alsoInFlight = host.call('ping', { echo: 'lost' })
    await expect(dying).rejects.toBeInstanceOf(WorkerCrashedError)
    await expect(alsoInFlight).rejects.toThrow(/The engine stopped unexpectedly while running "ping" \(exit code 3\)\. It has been restarted; try again/)
    const report = await crashed
    expect(report).toMatchObject({ exitCode: 3, inFlight: ['crash', 'ping'], restarts: 1 })
    // Back in service: a fresh worker, which has lost its loaded models.
    expect((await host.call('ping', { echo: 'back' })).echo).toBe('back')
    expect(host.state).toBe('ready')
    await expect(host.call('predict:images', { key: 'm', images, fit: 'whole' })).rejects.toThrow(/No model is loaded/)

    // An uncaught exception in the worker is a crash too.
    const again = nextCrash(host)
    await expect(host.call('crash', { how: 'throw' })).rejects.toThrow(/error: test crash/)
    expect((await again).restarts).toBe(2)
    expect((await host.call('ping', {})).pid).toBe(process.pid)
  })

  it('stops restarting after repeated crashes and says so', async () => {
    host = new WorkerHost({ testHooks: true, maxRestarts: 1 })
    const states: string[] = []
    host.on('state', (s: { state: string }) => states.push(s.state))
    await expect(host.call('crash', {})).rejects.toBeInstanceOf(WorkerCrashedError)
    await host.call('ping', {})
    const final = nextCrash(host)
    await expect(host.call('crash', {})).rejects.toBeInstanceOf(WorkerCrashedError)
    await final
    expect(host.state).toBe('error')
    await expect(host.call('ping', {})).rejects.toThrow(/not running \(it crashed repeatedly\)/)
    expect(states).toContain('restarting')
  })
})
