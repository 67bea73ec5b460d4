import sharp from 'sharp'
import * as ort from 'onnxruntime-node'
import { describe, expect, it } from 'vitest'
import { buildResnet18Inference, initResnet18Weights, inputChannelsOf } from '../../../electron/engine/models/resnet'
import { parseResnetWeights } from '../../../electron/engine/models/weights'
import { writeSafetensors } from '../../../electron/engine/models/safetensors'
import { GREY_MEAN, GREY_STD, lumaOf, preprocessImage, preprocessPrepared, preprocessRgb } from '../../../electron/imaging/preprocess'
import { planInput, prepareInput } from '../../../shared/imaging/input-plan'
import { renderExact, resizeForTraining } from '../../../electron/engine/train/augment-exact'
import { drawAugmentParams, NO_AUGMENT, renderAugmented } from '../../../electron/engine/train/augment'
import { clearGreyCache, greyCount } from '../../../electron/engine/train/grey-check'
import { planAutoRecipe, type DataProfile } from '../../../electron/engine/train/recipe'
import { defaultTrainerConfig } from '../../../electron/engine/train/trainer'
import { buildResnet18Int8 } from '../../../electron/engine/infer/int8'
import { Predictor } from '../../../electron/engine/infer/predictor'
import { Inspector } from '../../../electron/engine/infer/inspector'
import { sessionInputChannels } from '../../../electron/engine/infer/input-channels'
import { createSession } from '../../../electron/engine/infer/sessions'
import { createRng } from '../../../electron/engine/train/rng'
import { buildTrainStep } from '../../../electron/engine/train/train-step'
import { detailedPicture, pngOf, rgbaOf } from '../../support/frame-pictures'

/**
 * The one-channel stem (docs/accuracy.md "The one-channel stem"): a model whose conv1 reads
 * one grey plane, chosen by the auto recipe when every training image is grey. What it
 * must keep: the grey plane is the luma of the same resized RGB pixels everywhere (files,
 * camera frames, training), normalised with one mean/std; R = G = B images give exactly
 * their grey value; models without the field stay RGB.
 */




const bits = (a: Float32Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength)

describe('one-channel preprocessing', () => {
  it('is PIL convert("L") luma of the resized RGB, normalised with 0.449 / 0.226; R = G = B gives the grey value itself', async () => {
    // PIL's 16-bit fixed-point ITU-R 601 (Image.convert('L')), checked against Pillow for random pixels.
    expect(lumaOf(10, 200, 30)).toBe(Math.round((10 * 19595 + 200 * 38470 + 30 * 7471) / 65536))
    expect(lumaOf(255, 0, 0)).toBe(76)
    for (const v of [0, 1, 77, 128, 254, 255]) expect(lumaOf(v, v, v)).toBe(v)
    const w = 48
    const h = 48
    for (const grey of [true, false]) {
      const rgb = detailedPicture(w, h, grey, 777)
      const one = await preprocessImage(await pngOf(rgb, w, h, grey), { size: 48, fit: 'whole', channels: 1 })
      expect(one.tensor.length).toBe(48 * 48)
      for (const i of [0, 5, 1000, 48 * 48 - 1]) {
        const g = lumaOf(rgb[i * 3]!, rgb[i * 3 + 1]!, rgb[i * 3 + 2]!)
        expect(one.tensor[i]).toBe(Math.fround((g / 255 - GREY_MEAN) / GREY_STD))
      }
    }
  })

  it('gives a camera frame (raw RGBA, or prepared on the screen as rgb) the same tensor as the PNG file, bit for bit', async () => {
    for (const c of [
      { w: 200, h: 150, size: 64, fit: 'whole' as const, grey: true },
      { w: 157, h: 103, size: 32, fit: 'crop' as const, grey: false },
      { w: 640, h: 480, size: 64, fit: 'whole' as const, grey: false, roi: { x: 100, y: 40, w: 301, h: 257 } }
    ]) {
      const rgb = detailedPicture(c.w, c.h, c.grey, 777)
      const spec = { size: c.size, fit: c.fit, roi: c.roi, channels: 1 as const }
      const file = await preprocessImage(await pngOf(rgb, c.w, c.h, c.grey), spec)
      const raw = preprocessRgb({ data: rgbaOf(rgb), width: c.w, height: c.h, channels: 4 }, spec)
      const prepared = prepareInput({ data: rgbaOf(rgb), width: c.w, height: c.h, channels: 4 }, planInput(c.w, c.h, { size: c.size, fit: c.fit, roi: c.roi ?? null }))
      // The renderer's prepared frames arrive as 'rgb' bytes (prepareInput's output): the engine makes the grey plane.
      expect(prepared.data.length).toBe(prepared.width * prepared.height * 3)
      const fromScreen = preprocessPrepared(prepared, { width: c.w, height: c.h }, spec)
      expect(bits(raw.tensor).equals(bits(file.tensor)), JSON.stringify(c)).toBe(true)
      expect(bits(fromScreen.tensor).equals(bits(file.tensor)), JSON.stringify(c)).toBe(true)
    }
  })

  it('is what training feeds the model: the exact path is bit-identical to inspection, the general path agrees', async () => {
    const size = 40
    for (const grey of [true, false]) {
      const rgb = detailedPicture(97, 61, grey, 777)
      const img = { data: rgb, width: 97, height: 61 }
      const inspection = preprocessRgb(img, { size, fit: 'whole', channels: 1 }).tensor
      const trained = new Float32Array(size * size)
      renderExact(resizeForTraining(img, size), size, { flipX: false, flipY: false, transpose: false, brightness: 1, contrast: 1, shiftX: 0, shiftY: 0 }, trained, 0, 1)
      expect(bits(trained).equals(bits(inspection))).toBe(true)
      // A flipped sample is the flipped image.
      const flipped = new Float32Array(size * size)
      renderExact(resizeForTraining(img, size), size, { flipX: true, flipY: false, transpose: false, brightness: 1, contrast: 1, shiftX: 0, shiftY: 0 }, flipped, 0, 1)
      expect(flipped[3]).toBe(inspection[size - 1 - 3])
    }
    // The general (resampling) path: one plane, the luma of the three it would have written.
    const rgb = detailedPicture(80, 80, false, 777)
    const img = { data: rgb, width: 80, height: 80 }
    const params = drawAugmentParams(img, 32, 'whole', NO_AUGMENT, createRng(3))
    const three = new Float32Array(3 * 32 * 32)
    const one = new Float32Array(32 * 32)
    renderAugmented(img, 32, params, three, 0, 3)
    renderAugmented(img, 32, params, one, 0, 1)
    const plane = 32 * 32
    const MEAN = [0.485, 0.456, 0.406]
    const STD = [0.229, 0.224, 0.225]
    for (const i of [0, 100, 1023]) {
      const [r, g, b] = [0, 1, 2].map((c) => three[c * plane + i]! * STD[c]! + MEAN[c]!)
      expect(one[i]).toBeCloseTo((0.299 * r! + 0.587 * g! + 0.114 * b! - GREY_MEAN) / GREY_STD, 4)
    }
  })
})

describe('one-channel model', () => {
  const numClasses = 3
  const width = 0.25
  const size = 32
  const weights = initResnet18Weights({ numClasses, width, seed: 4, inputChannels: 1 })

  it('has a one-channel conv1 and input [N, 1, S, S]; weights files round-trip it; old weights stay RGB', async () => {
    expect(weights.get('conv1.weight')!.shape).toEqual([16, 1, 7, 7])
    expect(inputChannelsOf(weights)).toBe(1)
    expect(inputChannelsOf(initResnet18Weights({ numClasses, width, seed: 4 }))).toBe(3)
    const parsed = parseResnetWeights(writeSafetensors(weights))
    expect(parsed.inputChannels).toBe(1)
    expect(parseResnetWeights(writeSafetensors(initResnet18Weights({ numClasses, width, seed: 4 }))).inputChannels).toBe(3)
    const onnx = buildResnet18Inference({ numClasses, width, height: size, batch: 'dynamic', weights })
    const { session } = await createSession(onnx, { threads: 1 })
    try {
      expect(sessionInputChannels(session)).toBe(1)
      const out = await session.run({ input: new ort.Tensor('float32', new Float32Array(2 * size * size), [2, 1, size, size]) })
      expect(out.logits!.dims).toEqual([2, numClasses])
    } finally {
      await session.release()
    }
    const rgbOnnx = buildResnet18Inference({ numClasses, width, height: size, batch: 'dynamic', weights: initResnet18Weights({ numClasses, width, seed: 4 }) })
    const rgb = await createSession(rgbOnnx, { threads: 1 })
    expect(sessionInputChannels(rgb.session)).toBe(3)
    await rgb.session.release()
  })

  it('predicts files, raw frames and prepared frames alike (Predictor and Inspector, with heatmaps)', async () => {
    const predictor = await Predictor.create({ weights, numClasses, width, size, heatmap: true, threads: 1 })
    const inspector = new Inspector({ threads: 1 })
    try {
      expect(predictor.channels).toBe(1)
      const w = 120
      const h = 90
      const rgb = detailedPicture(w, h, false, 777)
      const file = await pngOf(rgb, w, h, false)
      const [p] = await predictor.predictImages([file], { fit: 'whole', heatmap: true })
      expect(p!.probabilities).toHaveLength(numClasses)
      expect(p!.heatmap).toBeDefined()
      const onnx = buildResnet18Inference({ numClasses, width, height: size, batch: 'dynamic', weights, outputs: { probabilities: true } })
      await inspector.loadClassifier('c', { onnx, weights: writeSafetensors(weights), size })
      await inspector.loadClassifier('onnx-only', { onnx, weights: null, size })
      const req = { classifier: { key: 'c', fit: 'whole' as const }, anomaly: null, roi: null, heatmap: true }
      const fromFile = await inspector.inspect(file, req)
      expect(fromFile.probabilities).toEqual(p!.probabilities)
      const fromRaw = await inspector.inspect(rgbaOf(rgb), { ...req, raw: { width: w, height: h, format: 'rgba' } })
      expect(fromRaw.probabilities).toEqual(fromFile.probabilities)
      expect(fromRaw.heatmap).toEqual(fromFile.heatmap)
      const spec = { size, fit: 'whole' as const, roi: null }
      const input = prepareInput({ data: rgbaOf(rgb), width: w, height: h, channels: 4 }, planInput(w, h, spec))
      const fromPrepared = await inspector.inspect(input.data, { ...req, raw: { width: input.width, height: input.height, format: 'rgb', prepared: { frameWidth: w, frameHeight: h, ...spec } } })
      expect(fromPrepared.probabilities).toEqual(fromFile.probabilities)
      // An ONNX-only classifier reads its input channels from the graph.
      const onnxOnly = await inspector.inspect(file, { ...req, classifier: { key: 'onnx-only', fit: 'whole' } })
      for (let k = 0; k < numClasses; k++) expect(onnxOnly.probabilities![k]).toBeCloseTo(fromFile.probabilities![k]!, 5)
    } finally {
      await predictor.release()
      await inspector.release()
    }
  })

  it('calibrates and runs in INT8 on grey tensors', async () => {
    const count = 8
    const calibration = new Float32Array(count * size * size)
    for (let i = 0; i < count; i++) calibration.set(preprocessRgb({ data: detailedPicture(50 + i, 40, i % 2 === 0, 777), width: 50 + i, height: 40 }, { size, fit: 'whole', channels: 1 }).tensor, i * size * size)
    const { ranges } = await buildResnet18Int8({ weights, numClasses, width, size, calibration, threads: 1 })
    const fp32 = await Predictor.create({ weights, numClasses, width, size, threads: 1 })
    const int8 = await Predictor.create({ weights, numClasses, width, size, threads: 1, int8Ranges: ranges })
    try {
      const a = await fp32.runBatch(calibration, count)
      const b = await int8.runBatch(calibration, count)
      expect(b.logits.length).toBe(count * numClasses)
      let worst = 0
      let scale = 0
      for (let i = 0; i < a.logits.length; i++) {
        worst = Math.max(worst, Math.abs(a.logits[i]! - b.logits[i]!))
        scale = Math.max(scale, Math.abs(a.logits[i]!))
      }
      expect(worst).toBeLessThan(0.15 * scale + 1e-3)
    } finally {
      await fp32.release()
      await int8.release()
    }
  })
})

describe('the auto recipe', () => {
  const profile = (backbone: DataProfile['backbone'], grey: { grey: number; total: number } | undefined): DataProfile => ({ images: 100, classCounts: [90, 10], sizes: [[64, 64]], backbone, grey })
  const base = defaultTrainerConfig(['good', 'bad'], 0)

  it('chooses one input channel when every training image is grey and training starts from random weights, and says why', () => {
    const grey = planAutoRecipe(profile('random', { grey: 100, total: 100 }), base, 224)
    expect(grey.config.inputChannels).toBe(1)
    const choice = grey.choices.find((c) => c.setting === 'inputChannels')!
    expect(choice.value).toBe(1)
    expect(choice.why).toMatch(/Every training image is greyscale \(100 of 100\)/)
    expect(choice.reason).toEqual({ id: 'channelsGrey', params: { grey: 100, total: 100 } })
    const imagenet = planAutoRecipe(profile('imagenet', { grey: 100, total: 100 }), base, 224)
    expect(imagenet.config.inputChannels).toBe(3)
    expect(imagenet.choices.find((c) => c.setting === 'inputChannels')!.reason.id).toBe('channelsGreyPretrained')
    const colour = planAutoRecipe(profile('random', { grey: 40, total: 100 }), base, 224)
    expect(colour.config.inputChannels).toBe(3)
    expect(colour.choices.find((c) => c.setting === 'inputChannels')!.why).toMatch(/after 40 grey/)
    expect(planAutoRecipe(profile('random', undefined), base, 224).config.inputChannels).toBe(3)
    // Starting weights that read one channel (a grey project's model as backbone): one channel, whatever the images.
    const fromGreyModel = planAutoRecipe({ ...profile('file', { grey: 3, total: 100 }), startChannels: 1 }, base, 224)
    expect(fromGreyModel.config.inputChannels).toBe(1)
    expect(fromGreyModel.choices.find((c) => c.setting === 'inputChannels')!.reason.id).toBe('channelsStartGrey')
  })

  it('counts grey images: one stored channel, or RGB with R = G = B; the first colour image ends the count', async () => {
    const w = 20
    const h = 10
    const sample = (key: string, bytes: Buffer) => ({ key, label: 0, load: async () => new Uint8Array(bytes) })
    const greyPng = await pngOf(detailedPicture(w, h, true, 777), w, h, true)
    const rgbGreyPng = await pngOf(detailedPicture(w, h, true, 777), w, h, false)
    const colourPng = await pngOf(detailedPicture(w, h, false, 777), w, h, false)
    expect((await sharp(greyPng).metadata()).channels).toBe(1)
    expect((await sharp(rgbGreyPng).metadata()).channels).toBe(3)
    expect(await greyCount([sample('a', greyPng), sample('b', rgbGreyPng)])).toEqual({ grey: 2, total: 2, firstColour: null })
    expect(await greyCount([sample('a', greyPng), sample('c', colourPng), sample('b', rgbGreyPng)])).toEqual({ grey: 1, total: 3, firstColour: 'c' })
    expect(await greyCount([sample('x', Buffer.from('not an image'))])).toEqual({ grey: 0, total: 1, firstColour: 'x' })
  })

  it('checks large photos on a reduced decode: grey saved as RGB stays grey, a small colour mark is still seen (JPEG and PNG)', async () => {
    clearGreyCache()
    const w = 2448
    const h = 2048
    const grey = Buffer.alloc(w * h * 3)
    for (let i = 0; i < w * h; i++) grey.fill(((i * 7) ^ (i / w)) & 255, i * 3, i * 3 + 3)
    const marked = Buffer.from(grey)
    // A 12 × 12 px reddish mark near a corner: 0.003 % of the pixels.
    for (let y = 1900; y < 1912; y++) for (let x = 2300; x < 2312; x++) marked.set([200, 90, 90], (y * w + x) * 3)
    const raw = { raw: { width: w, height: h, channels: 3 as const } }
    const files = {
      greyJpeg: await sharp(grey, raw).jpeg({ quality: 90 }).toBuffer(),
      markedJpeg: await sharp(marked, raw).jpeg({ quality: 90 }).toBuffer(),
      greyPng: await sharp(grey, raw).png({ compressionLevel: 1 }).toBuffer(),
      markedPng: await sharp(marked, raw).png({ compressionLevel: 1 }).toBuffer()
    }
    for (const [name, bytes] of Object.entries(files)) expect((await sharp(bytes).metadata()).channels, name).toBe(3)
    const sample = (key: string) => ({ key, label: 0, load: async () => new Uint8Array(files[key as keyof typeof files]) })
    expect(await greyCount([sample('greyJpeg'), sample('greyPng')])).toEqual({ grey: 2, total: 2, firstColour: null })
    expect(await greyCount([sample('greyJpeg'), sample('markedJpeg')])).toEqual({ grey: 1, total: 2, firstColour: 'markedJpeg' })
    expect(await greyCount([sample('greyPng'), sample('markedPng')])).toEqual({ grey: 1, total: 2, firstColour: 'markedPng' })
    // Answers are kept per content key: a second look does not load the image again.
    let loads = 0
    const counted = { key: 'greyJpeg', label: 0, load: async () => (loads++, new Uint8Array(files.greyJpeg)) }
    expect(await greyCount([counted])).toEqual({ grey: 1, total: 1, firstColour: null })
    expect(loads).toBe(0)
    clearGreyCache()
  }, 60_000)
})

describe('one-channel training step', () => {
  it('computes what a three-channel step computes on three equal copies with conv1 split in thirds (loss, logits, every gradient)', async () => {
    const o = { numClasses: 3, width: 0.25, size: 32, batch: 4 }
    const one = buildTrainStep({ ...o, inputChannels: 1, freeze: 'none', optimizer: 'sgd', exposeGradients: true })
    const three = buildTrainStep({ ...o, freeze: 'none', optimizer: 'sgd', exposeGradients: true })
    const w1 = initResnet18Weights({ numClasses: o.numClasses, width: o.width, seed: 9, inputChannels: 1 })
    const c1 = w1.get('conv1.weight')!
    // conv1 [16, 3, 7, 7]: each of the three slices a third of the one-channel filter.
    const c3 = new Float32Array(c1.data.length * 3)
    const per = 49
    for (let f = 0; f < c1.shape[0]!; f++) for (let c = 0; c < 3; c++) for (let t = 0; t < per; t++) c3[(f * 3 + c) * per + t] = c1.data[f * per + t]! / 3
    const w3 = new Map(w1)
    w3.set('conv1.weight', { shape: [c1.shape[0]!, 3, 7, 7], data: c3 })
    const rng = seededRandomForTest(5)
    const plane = o.size * o.size
    const x1 = Float32Array.from({ length: o.batch * plane }, () => rng())
    const x3 = new Float32Array(3 * x1.length)
    for (let n = 0; n < o.batch; n++) for (let c = 0; c < 3; c++) x3.set(x1.subarray(n * plane, (n + 1) * plane), (n * 3 + c) * plane)
    const run = async (graph: ReturnType<typeof buildTrainStep>, weights: Map<string, { shape: number[]; data: Float32Array }>, x: Float32Array, channels: number) => {
      const feeds: Record<string, ort.Tensor> = {}
      for (const [name, t] of weights) feeds[name] = new ort.Tensor('float32', t.data, t.shape)
      for (const name of graph.stateNames) {
        const shape = graph.shapes.get(name)!
        feeds[name] = new ort.Tensor('float32', new Float32Array(shape.reduce((a, b) => a * b, 1)), shape)
      }
      feeds.images = new ort.Tensor('float32', x, [o.batch, channels, o.size, o.size])
      feeds.labels = new ort.Tensor('int64', BigInt64Array.from({ length: o.batch }, (_, i) => BigInt(i % o.numClasses)), [o.batch])
      feeds.sample_weights = new ort.Tensor('float32', new Float32Array(o.batch).fill(1), [o.batch])
      feeds.class_weights = new ort.Tensor('float32', new Float32Array(o.numClasses).fill(1), [o.numClasses])
      feeds.lr = new ort.Tensor('float32', Float32Array.of(0.01), [1])
      feeds.step = new ort.Tensor('float32', Float32Array.of(1), [1])
      const session = await ort.InferenceSession.create(graph.model, { intraOpNumThreads: 1 })
      try {
        return await session.run(Object.fromEntries(Object.entries(feeds).filter(([k]) => session.inputNames.includes(k))))
      } finally {
        await session.release()
      }
    }
    const a = await run(one, w1, x1, 1)
    const b = await run(three, w3, x3, 3)
    const rel = (p: Float32Array, q: Float32Array): number => {
      let d = 0
      let s = 1e-12
      for (let i = 0; i < q.length; i++) {
        d = Math.max(d, Math.abs(p[i]! - q[i]!))
        s = Math.max(s, Math.abs(q[i]!))
      }
      return d / s
    }
    expect(Math.abs((a.loss!.data as Float32Array)[0]! - (b.loss!.data as Float32Array)[0]!)).toBeLessThan(1e-5)
    expect(rel(a.logits!.data as Float32Array, b.logits!.data as Float32Array)).toBeLessThan(1e-4)
    expect(one.trainableNames).toEqual(three.trainableNames)
    for (const name of one.trainableNames) {
      const g1 = a[one.outputs.gradient(name)]!.data as Float32Array
      const g3 = b[three.outputs.gradient(name)]!.data as Float32Array
      if (name !== 'conv1.weight') {
        expect(rel(g1, g3), name).toBeLessThan(1e-4)
        continue
      }
      // d loss / d w3[:, c] = d loss / d w1[:, 0] for every c (the input is the same in every channel).
      for (let c = 0; c < 3; c++) {
        const slice = new Float32Array(g1.length)
        for (let f = 0; f < c1.shape[0]!; f++) for (let t = 0; t < per; t++) slice[f * per + t] = g3[(f * 3 + c) * per + t]!
        expect(rel(slice, g1), `conv1 slice ${c}`).toBeLessThan(1e-4)
      }
    }
  })
})

/** Uniform values in [-1, 1) from a small LCG (the batch of the step test). */
function seededRandomForTest(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    return s / 2 ** 31 - 1
  }
}
