import { describe, expect, it } from 'vitest'
import sharp from 'sharp'
import { BatchLoader, type TrainSample } from '../../../electron/engine/train/batches'
import { NO_AUGMENT } from '../../../electron/engine/train/augment'
import { drawExactParams, maxShiftPixels } from '../../../electron/engine/train/augment-exact'
import { sampleRng } from '../../../electron/engine/train/rng'
import { preprocessImage } from '../../../electron/imaging/preprocess'
import { epochDraws, drawIndex } from '../../../electron/engine/train/sampling'
import { learningRateAt } from '../../../electron/engine/train/schedules'
import { summarise } from '../../../electron/engine/train/lr-finder'
import { chooseFromSweeps, planAutoRecipe } from '../../../electron/engine/train/recipe'
import { defaultTrainerConfig } from '../../../electron/engine/train/trainer'

async function noisePng(w: number, h: number, seed: number): Promise<Uint8Array> {
  const px = new Uint8Array(w * h)
  let s = seed
  for (let i = 0; i < px.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0
    px[i] = s >>> 24
  }
  return new Uint8Array(await sharp(Buffer.from(px), { raw: { width: w, height: h, channels: 1 } }).toColourspace('b-w').png().toBuffer())
}

describe('auto recipe pieces', () => {
  it('whole-image training without crops renders exactly what inspection feeds the model', async () => {
    const bytes = await noisePng(97, 61, 3)
    const samples: TrainSample[] = [{ key: 'a', label: 0, load: async () => bytes }]
    const loader = new BatchLoader(samples, { size: 40, batch: 1, fit: 'whole', augment: NO_AUGMENT, seed: 1 })
    const batch = await loader.assemble(0, [0])
    const { tensor } = await preprocessImage(Buffer.from(bytes), { size: 40, fit: 'whole' })
    let worst = 0
    for (let i = 0; i < tensor.length; i++) worst = Math.max(worst, Math.abs(tensor[i]! - batch.images[i]!))
    expect(worst).toBeLessThan(1e-5)
    // With the square's symmetries on, a sample is a permutation of those same values.
    const turned = new BatchLoader(samples, { size: 40, batch: 1, fit: 'whole', augment: { ...NO_AUGMENT, horizontalFlip: true, verticalFlip: true, rotate90: true }, seed: 1 })
    const values = Array.from((await turned.assemble(3, [0])).images).sort((a, b) => a - b)
    expect(values).toEqual(Array.from(tensor).sort((a, b) => a - b))
  })

  it('a shifted sample is the inspection tensor moved by whole pixels, mirrored at the edges; other draws unchanged', async () => {
    const bytes = await noisePng(83, 57, 5)
    const samples: TrainSample[] = [{ key: 'a', label: 0, load: async () => bytes }]
    const size = 40
    const { tensor } = await preprocessImage(Buffer.from(bytes), { size, fit: 'whole' })
    const augment = { ...NO_AUGMENT, shift: 0.1 }
    expect(maxShiftPixels(augment, size)).toBe(4)
    expect(maxShiftPixels({ ...NO_AUGMENT, shift: 0.001 }, size)).toBe(1)
    expect(maxShiftPixels(NO_AUGMENT, size)).toBe(0)
    const loader = new BatchLoader(samples, { size, batch: 1, fit: 'whole', augment, seed: 2 })
    const mirror = (i: number) => (i < 0 ? -i - 1 : i >= size ? 2 * size - 1 - i : i)
    const seen = new Set<string>()
    for (let epoch = 0; epoch < 12; epoch++) {
      const out = (await loader.assemble(epoch, [0])).images
      const { shiftX, shiftY } = drawExactParams(augment, size, sampleRng(2, epoch, 0))
      expect(Math.abs(shiftX)).toBeLessThanOrEqual(4)
      expect(Math.abs(shiftY)).toBeLessThanOrEqual(4)
      seen.add(`${shiftX},${shiftY}`)
      // Every channel plane: pixel (u, v) is the inspection pixel (u − shiftX, v − shiftY), mirrored.
      let worst = 0
      for (let ch = 0; ch < 3; ch++)
        for (let v = 0; v < size; v++)
          for (let u = 0; u < size; u++) worst = Math.max(worst, Math.abs(out[ch * size * size + v * size + u]! - tensor[ch * size * size + mirror(v - shiftY) * size + mirror(u - shiftX)]!))
      expect(worst).toBeLessThan(1e-5)
    }
    expect(seen.size).toBeGreaterThan(6)
    // The shift is drawn after the symmetry and jitter: a recipe without it sees the same streams.
    const full = { ...NO_AUGMENT, horizontalFlip: true, verticalFlip: true, rotate90: true, brightness: 0.1, contrast: 0.1 }
    for (let d = 0; d < 20; d++) {
      const { shiftX, shiftY, ...rest } = drawExactParams({ ...full, shift: 1 / 16 }, 64, sampleRng(9, 1, d))
      const without = drawExactParams(full, 64, sampleRng(9, 1, d))
      expect(without.shiftX).toBe(0)
      expect(without.shiftY).toBe(0)
      expect(rest).toEqual({ flipX: without.flipX, flipY: without.flipY, transpose: without.transpose, brightness: without.brightness, contrast: without.contrast })
      expect(Math.max(Math.abs(shiftX), Math.abs(shiftY))).toBeLessThanOrEqual(4)
    }
  })

  it('balanced sampling draws every class about equally and gives repeats their own draw ids', () => {
    const labels = [...new Array(300).fill(0), ...new Array(10).fill(1), ...new Array(5).fill(2)]
    const draws = epochDraws(labels, 'balanced', 7, 0)
    expect(draws).toHaveLength(labels.length)
    const perClass = [0, 0, 0]
    for (const d of draws) perClass[labels[drawIndex(d, labels.length)]!]!++
    for (const n of perClass) expect(n).toBeGreaterThan(labels.length / 3 - 40)
    expect(new Set(draws).size).toBe(draws.length)
    expect(epochDraws(labels, 'balanced', 7, 0)).toEqual(draws)
    expect(epochDraws(labels, 'balanced', 7, 1)).not.toEqual(draws)
    // 'shuffle' is a permutation of the indices (draw id = index).
    expect([...epochDraws(labels, 'shuffle', 7, 0)].sort((a, b) => a - b)).toEqual(labels.map((_, i) => i))
  })

  it('one-cycle follows torch OneCycleLR: warm-up to the peak, cosine down to base/(div·final)', () => {
    const sched = { kind: 'onecycle', pctStart: 0.25, divFactor: 25, finalDivFactor: 1e4 } as const
    const at = (t: number) => learningRateAt(0.01, sched, { epoch: Math.floor(t / 10), stepInEpoch: t % 10, stepsPerEpoch: 10, totalEpochs: 4 })
    expect(at(0)).toBeCloseTo(0.01 / 25, 10)
    const peak = Math.max(...Array.from({ length: 40 }, (_, t) => at(t)))
    expect(peak).toBeCloseTo(0.01, 6)
    expect(at(39)).toBeCloseTo(0.01 / 25 / 1e4, 10)
    for (let t = 10; t < 39; t++) expect(at(t + 1)).toBeLessThanOrEqual(at(t))
  })

  it('the range test suggests a tenth of the rate where the loss climbs, and the recipe keeps the lower optimizer', () => {
    const pts = (lossAt: (lr: number) => number, lo: number, hi: number) =>
      Array.from({ length: 12 }, (_, i) => {
        const lr = lo * (hi / lo) ** (i / 11)
        return { lr, loss: lossAt(lr), smoothed: lossAt(lr) }
      })
    // A dip around 1e-3, then a blow-up: 1.1× the starting loss is first passed at 1.9e-2.
    const adam = summarise('adamw', pts((lr) => 1.6 - 0.5 * Math.exp(-((Math.log10(lr) + 3) ** 2)) + 20 * lr, 1e-5, 0.1), false, 1)
    expect(adam.lrAtMinimum).toBeGreaterThan(5e-4)
    expect(adam.lrAtMinimum).toBeLessThan(5e-3)
    expect(adam.lrAtDivergence).toBeCloseTo(1e-5 * 10 ** (36 / 11), 12)
    expect(adam.suggestedLr).toBeCloseTo(adam.lrAtDivergence! / 10, 12)
    const flat = summarise('sgd', pts(() => 1.6, 1e-4, 1), false, 1)
    expect(flat.suggestedLr).toBeNull()
    const choice = chooseFromSweeps([adam, flat])
    expect(choice.optimizer).toBe('adamw')
    expect(choice.lr).toBe(adam.suggestedLr)
    expect(choice.choices.map((c) => c.setting)).toEqual(['optimizer', 'lr'])
    // A rise that falls back (noisy first batches) is not the blow-up: only the final climb is.
    const noisy = pts((lr) => 1.6 - 0.5 * Math.exp(-((Math.log10(lr) + 3) ** 2)) + 20 * lr, 1e-5, 0.1)
    noisy[2] = { ...noisy[2]!, smoothed: 1.9 }
    const spiky = summarise('adamw', noisy, false, 1)
    expect(spiky.lrAtDivergence).toBeCloseTo(adam.lrAtDivergence!, 12)
    expect(spiky.suggestedLr).toBeCloseTo(adam.suggestedLr!, 12)
  })

  it('plans balanced sampling, whole images at their own size and all layers for a random backbone', () => {
    const base = defaultTrainerConfig(['good', 'a', 'b'], 0)
    const plan = planAutoRecipe({ images: 340, classCounts: [300, 30, 10], sizes: Array.from({ length: 340 }, () => [90, 70]), backbone: 'random' }, base, 224)
    expect(plan.config).toMatchObject({ fit: 'whole', size: 96, freeze: 'none', sampling: 'balanced', classWeighting: 'off', monitor: 'balancedAccuracy' })
    expect(plan.config.augment!.randomResizedCrop).toBe(false)
    expect(plan.lrFinder!.requests.map((r) => r.optimizer)).toEqual(['adamw', 'sgd'])
    for (const c of plan.choices) expect(c.why.length).toBeGreaterThan(20)
    const capped = planAutoRecipe({ images: 20, classCounts: [10, 10], sizes: [[600, 400]], backbone: 'imagenet' }, base, 64)
    expect(capped.config).toMatchObject({ size: 64, freeze: 'all-but-stem', sampling: 'shuffle', monitor: 'balancedAccuracy' })
  })
})
