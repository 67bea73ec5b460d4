import * as ort from 'onnxruntime-node'
import { describe, expect, it } from 'vitest'
import { buildResnet18Inference, initResnet18Weights, resnet18ParamShapes, ResnetWeightsError } from '../../../electron/engine/models/resnet'
import { FIXTURE, f32, get, loadFixture, relativeError } from './resnet-fixture'

describe('resnet18 definition', () => {
  it('has torchvision resnet18 names and parameter count', () => {
    const specs = resnet18ParamShapes({ numClasses: 1000 })
    const count = (pred: (n: string) => boolean) => specs.filter((s) => pred(s.name)).reduce((a, s) => a + s.shape.reduce((x, y) => x * y, 1), 0)
    // torchvision: sum(p.numel() for p in resnet18().parameters()) == 11_689_512
    expect(count((n) => !n.includes('running_'))).toBe(11_689_512)
    expect(specs[0]).toEqual({ name: 'conv1.weight', shape: [64, 3, 7, 7] })
    expect(specs.map((s) => s.name)).toContain('layer2.0.downsample.1.running_var')
    expect(specs[specs.length - 1]).toEqual({ name: 'fc.bias', shape: [1000] })
  })

  it('lists the state_dict of the PyTorch fixture in order (num_batches_tracked aside)', () => {
    const state = loadFixture('')
    const torchNames = [...state.keys()].filter((n) => !n.endsWith('num_batches_tracked'))
    const ours = resnet18ParamShapes({ numClasses: FIXTURE.numClasses, width: FIXTURE.width })
    expect(ours.map((s) => s.name)).toEqual(torchNames)
    for (const s of ours) expect(get(state, s.name).shape).toEqual(s.shape)
  })

  it('initialises like torchvision (kaiming fan_out convs, unit BN, uniform fc), deterministically', () => {
    const w = initResnet18Weights({ numClasses: 5, width: 0.25, seed: 7 })
    const again = initResnet18Weights({ numClasses: 5, width: 0.25, seed: 7 })
    expect(again.get('layer3.1.conv2.weight')!.data).toEqual(w.get('layer3.1.conv2.weight')!.data)
    const conv = w.get('layer3.1.conv2.weight')! // [64, 64, 3, 3]: std √(2 / (64·9))
    const std = Math.sqrt(conv.data.reduce((a, v) => a + v * v, 0) / conv.data.length)
    expect(std).toBeCloseTo(Math.sqrt(2 / (64 * 9)), 2)
    expect([...w.get('bn1.weight')!.data].every((v) => v === 1)).toBe(true)
    expect([...w.get('layer1.0.bn2.running_var')!.data].every((v) => v === 1)).toBe(true)
    const fc = w.get('fc.weight')! // [5, 128]: |w| ≤ 1/√128
    expect(Math.max(...fc.data.map(Math.abs))).toBeLessThanOrEqual(1 / Math.sqrt(128))
  })
})

describe('buildResnet18Inference', () => {
  it('matches torchvision logits, probabilities and layer4 on the PyTorch fixture within 1e-4', async () => {
    const weights = loadFixture('')
    const io = loadFixture('io')
    const model = buildResnet18Inference({
      numClasses: FIXTURE.numClasses, width: FIXTURE.width, height: FIXTURE.size, batch: 'dynamic', weights,
      outputs: { probabilities: true, layer2: true, layer3: true, layer4: true }
    })
    const session = await ort.InferenceSession.create(model)
    const out = await session.run({ input: f32(get(io, 'images')) })
    expect(out.logits!.dims).toEqual([4, 3])
    const logitsErr = relativeError(out.logits!.data as Float32Array, get(io, 'logits').data)
    expect(logitsErr).toBeLessThan(1e-4)
    const absErr = Math.max(...(out.logits!.data as Float32Array).map((v, i) => Math.abs(v - get(io, 'logits').data[i]!)))
    expect(absErr).toBeLessThan(1e-4)
    expect(relativeError(out.probabilities!.data as Float32Array, get(io, 'probabilities').data)).toBeLessThan(1e-4)
    expect(relativeError(out.layer4!.data as Float32Array, get(io, 'layer4').data)).toBeLessThan(1e-4)
    expect(out.layer2!.dims).toEqual([4, 16, 8, 8])
    expect(out.layer3!.dims).toEqual([4, 32, 4, 4])
    // A dynamic batch: one image alone gives the same logits.
    const one = get(io, 'images')
    const single = await session.run({ input: new ort.Tensor('float32', one.data.subarray(0, 3 * 64 * 64), [1, 3, 64, 64]) })
    expect(relativeError(single.logits!.data as Float32Array, get(io, 'logits').data.subarray(0, 3))).toBeLessThan(1e-5)
  })

  it('builds any class count and rectangular input with a fixed batch', async () => {
    const weights = initResnet18Weights({ numClasses: 7, width: 0.125, seed: 1 })
    const model = buildResnet18Inference({ numClasses: 7, width: 0.125, height: 64, width_px: 96, batch: 2, weights })
    const session = await ort.InferenceSession.create(model)
    const out = await session.run({ input: new ort.Tensor('float32', new Float32Array(2 * 3 * 64 * 96), [2, 3, 64, 96]) })
    expect(out.logits!.dims).toEqual([2, 7])
  })

  it('rejects weights with a missing or misshapen tensor, naming it', () => {
    const weights = initResnet18Weights({ numClasses: 3, width: 0.125, seed: 1 })
    weights.set('layer1.0.conv1.weight', { shape: [8, 8, 1, 1], data: new Float32Array(64) })
    expect(() => buildResnet18Inference({ numClasses: 3, width: 0.125, height: 32, batch: 1, weights })).toThrow(ResnetWeightsError)
    expect(() => buildResnet18Inference({ numClasses: 3, width: 0.125, height: 32, batch: 1, weights })).toThrow(/layer1\.0\.conv1\.weight/)
    weights.set('layer1.0.conv1.weight', { shape: [8, 8, 3, 3], data: new Float32Array(576) })
    weights.delete('fc.bias')
    expect(() => buildResnet18Inference({ numClasses: 3, width: 0.125, height: 32, batch: 1, weights })).toThrow(/fc\.bias.*missing/)
  })
})
