import { describe, expect, it } from 'vitest'
import sharp from 'sharp'
import { BatchLoader, decodeRgb, ImageDecodeForTrainingError, type TrainSample } from '../../../electron/engine/train/batches'
import { DEFAULT_AUGMENT } from '../../../electron/engine/train/augment'

async function png(value: number, w = 20, h = 12): Promise<Uint8Array> {
  return new Uint8Array(await sharp({ create: { width: w, height: h, channels: 3, background: { r: value, g: 255 - value, b: 40 } } }).png().toBuffer())
}

describe('training batches', () => {
  it('pads the last batch with weight-0 zero images and is repeatable per (seed, epoch)', async () => {
    const samples: TrainSample[] = await Promise.all(
      [10, 60, 110, 160, 210].map(async (v, i) => {
        const bytes = await png(v)
        return { key: `img${i}`, label: i % 2, load: async () => bytes }
      })
    )
    const loader = new BatchLoader(samples, { size: 16, batch: 2, fit: 'whole', augment: DEFAULT_AUGMENT, seed: 4 })
    expect(loader.batchesPerEpoch()).toBe(3)
    const collect = async (epoch: number) => {
      const out = []
      for await (const { batch } of loader.epoch(epoch)) out.push(batch)
      return out
    }
    const a = await collect(0)
    const b = await collect(0)
    const c = await collect(1)
    expect(a.map((x) => x.indices)).toEqual(b.map((x) => x.indices))
    expect(a[0]!.images).toEqual(b[0]!.images)
    expect(a.map((x) => x.indices).flat().sort()).toEqual([0, 1, 2, 3, 4])
    expect(c.map((x) => x.indices)).not.toEqual(a.map((x) => x.indices))
    const last = a[2]!
    expect(last.indices).toHaveLength(1)
    expect(Array.from(last.sampleWeights)).toEqual([1, 0])
    expect(last.images.length).toBe(2 * 3 * 16 * 16)
    expect(last.images.subarray(3 * 16 * 16).every((v) => v === 0)).toBe(true)
    expect(Number(last.labels[0])).toBe(samples[last.indices[0]!]!.label)
    // Resuming mid-epoch yields the same remaining batches.
    const rest = []
    for await (const { step, batch } of loader.epoch(0, 1)) rest.push([step, batch.indices])
    expect(rest).toEqual([
      [1, a[1]!.indices],
      [2, a[2]!.indices]
    ])
  })

  it('decodes with a bounded shorter side and names undecodable images', async () => {
    const img = await decodeRgb(await png(100, 400, 100), 32)
    expect(img.height).toBe(32)
    expect(img.width).toBe(128)
    await expect(decodeRgb(new Uint8Array([1, 2, 3]), 32, 'deadbeef')).rejects.toBeInstanceOf(ImageDecodeForTrainingError)
  })
})
