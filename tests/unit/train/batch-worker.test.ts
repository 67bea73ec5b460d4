import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'
import { describe, expect, it } from 'vitest'
import sharp from 'sharp'
import { BatchRenderer, type RenderOptions } from '../../../electron/engine/train/batch-render'
import type { BatchWorkerToHost } from '../../../electron/engine/train/batch-worker-protocol'
import { BatchLoader, ImageDecodeForTrainingError, type Batch, type TrainSample } from '../../../electron/engine/train/batches'
import { DEFAULT_AUGMENT, NO_AUGMENT } from '../../../electron/engine/train/augment'
import { decodeSlotsState } from '../../../electron/imaging/decode-slots'

/** Odd-sized colour and grey images (PNG and JPEG), as a project holds them. */
async function samples(count: number): Promise<TrainSample[]> {
  return Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const width = 37 + 6 * i
      const height = 29 + 4 * (i % 5)
      const grey = i % 3 === 0
      const raw = Buffer.alloc(width * height * (grey ? 1 : 3))
      for (let j = 0; j < raw.length; j++) raw[j] = (j * 7 + i * 31) & 255
      const image = sharp(raw, { raw: { width, height, channels: grey ? 1 : 3 } })
      const bytes = new Uint8Array(await (i % 2 ? image.jpeg() : image.png()).toBuffer())
      let loads = 0
      return { key: `sha-${i}`, label: i % 3, load: async () => (loads++, bytes), get loads() { return loads } } as TrainSample & { loads: number }
    })
  )
}

async function epochs(loader: BatchLoader, count: number): Promise<Batch[]> {
  const out: Batch[] = []
  for (let e = 0; e < count; e++) for await (const { batch } of loader.epoch(e)) out.push(batch)
  return out
}

describe('batch worker', () => {
  it('renders the same batches as the inline path, bit for bit, across epochs (general and exact paths)', async () => {
    const set = await samples(11)
    for (const augment of [DEFAULT_AUGMENT, { ...NO_AUGMENT, horizontalFlip: true, brightness: 0.2 }]) {
      const opts = { size: 24, batch: 4, fit: 'whole' as const, augment, seed: 5 }
      const inline = new BatchLoader(set, opts)
      const worker = new BatchLoader(set, { ...opts, worker: true })
      try {
        const a = await epochs(inline, 3)
        const b = await epochs(worker, 3)
        expect(worker.rendersInWorker).toBe(true)
        expect(b.length).toBe(9)
        expect(b.map((x) => x.indices)).toEqual(a.map((x) => x.indices))
        for (let i = 0; i < a.length; i++) {
          expect(b[i]!.images).toEqual(a[i]!.images)
          expect(b[i]!.labels).toEqual(a[i]!.labels)
          expect(b[i]!.sampleWeights).toEqual(a[i]!.sampleWeights)
        }
      } finally {
        await worker.close()
      }
    }
  })

  it('sends each image once while its decode stays cached, and again after the cache evicted it', async () => {
    const set = (await samples(6)) as (TrainSample & { loads: number })[]
    const cached = new BatchLoader(set, { size: 16, batch: 3, fit: 'whole', augment: DEFAULT_AUGMENT, seed: 1, worker: true })
    // A budget of one small decode: every batch evicts, so the worker asks for bytes it lacks.
    const evicting = new BatchLoader(set, { size: 16, batch: 3, fit: 'whole', augment: DEFAULT_AUGMENT, seed: 1, worker: true, cacheBytes: 1 })
    const inline = new BatchLoader(set, { size: 16, batch: 3, fit: 'whole', augment: DEFAULT_AUGMENT, seed: 1 })
    try {
      await epochs(cached, 3)
      expect(set.map((s) => s.loads)).toEqual([1, 1, 1, 1, 1, 1])
      const fromEvicting = await epochs(evicting, 3)
      expect(set.every((s) => s.loads >= 3)).toBe(true)
      expect(fromEvicting.map((b) => b.images)).toEqual((await epochs(inline, 3)).map((b) => b.images))
    } finally {
      await cached.close()
      await evicting.close()
    }
  })

  it('names an undecodable image as the inline path does, and holds no decode slot afterwards', async () => {
    const set = await samples(4)
    set[2] = { key: 'broken-image-sha', label: 0, load: async () => new Uint8Array([1, 2, 3, 4]) }
    const loader = new BatchLoader(set, { size: 16, batch: 2, fit: 'whole', augment: DEFAULT_AUGMENT, seed: 2, worker: true })
    try {
      const error = await epochs(loader, 1).then(
        () => null,
        (e: unknown) => e
      )
      expect(error).toBeInstanceOf(ImageDecodeForTrainingError)
      expect((error as ImageDecodeForTrainingError).key).toBe('broken-image-sha')
      expect((error as Error).message).toMatch(/Image broken-image could not be decoded for training/)
    } finally {
      await loader.close()
    }
    expect(decodeSlotsState().inUse).toBe(0)
  })

  it('carries on inline when the worker dies mid-epoch, with the same batches', async () => {
    const set = await samples(9)
    const opts = { size: 20, batch: 3, fit: 'whole' as const, augment: DEFAULT_AUGMENT, seed: 3 }
    const loader = new BatchLoader(set, { ...opts, worker: true })
    const got: Batch[] = []
    for await (const { step, batch } of loader.epoch(0)) {
      got.push(batch)
      // Kill the thread while the next batch is in it (the client's worker, reached for the test).
      if (step === 0) await (loader as unknown as { client: { worker: { terminate: () => Promise<number> } } }).client.worker.terminate()
    }
    expect(loader.rendersInWorker).toBe(false)
    const expected = await epochs(new BatchLoader(set, opts), 1)
    expect(got.map((b) => b.images)).toEqual(expected.map((b) => b.images))
  })

  it('after close, a batch still in the worker fails instead of being rendered inline', async () => {
    const set = (await samples(6)) as (TrainSample & { loads: number })[]
    const loader = new BatchLoader(set, { size: 16, batch: 3, fit: 'whole', augment: DEFAULT_AUGMENT, seed: 4, worker: true })
    const epoch = loader.epoch(0)
    await epoch.next() // the first batch; the second is posted to the worker
    const loadsAtClose = set.reduce((sum, s) => sum + s.loads, 0)
    await loader.close()
    await expect(epoch.next()).rejects.toThrow(/batch worker stopped \(closed\)/)
    await new Promise((r) => setTimeout(r, 100))
    expect(set.reduce((sum, s) => sum + s.loads, 0)).toBe(loadsAtClose) // nothing loaded again inline
  })

  it('ships as its own bundle (out/main/batch-worker.js, npm run build) that renders what the sources render', async () => {
    const bundle = join(__dirname, '../../../out/main/batch-worker.js')
    expect(existsSync(bundle), `${bundle} is missing: run npm run build`).toBe(true)
    const set = await samples(5)
    const options: RenderOptions = { size: 20, batch: 6, fit: 'crop', augment: DEFAULT_AUGMENT, seed: 8, channels: 3, cacheBytes: 1 << 24 }
    const worker = new Worker(bundle, { workerData: { options, decodeSlots: null } })
    try {
      const items = await Promise.all(set.map(async (s, b) => ({ key: s.key, draw: b, bytes: await s.load() })))
      const reply = new Promise<BatchWorkerToHost>((resolve) => worker.once('message', resolve))
      worker.postMessage({ kind: 'render', id: 1, epoch: 2, items })
      const m = await reply
      expect(m.kind).toBe('rendered')
      const expected = await new BatchRenderer(options).render(2, set.map((s, b) => ({ key: s.key, draw: b, load: s.load })))
      expect((m as Extract<BatchWorkerToHost, { kind: 'rendered' }>).images).toEqual(expected)
    } finally {
      await worker.terminate()
    }
  })
})
