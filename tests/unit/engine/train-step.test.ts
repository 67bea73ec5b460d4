import * as ort from 'onnxruntime-node'
import { describe, expect, it } from 'vitest'
import type { TensorMap } from '../../../electron/engine/tensor'
import { detectNchwcBlock } from '../../../electron/engine/onnx/nchwc'
import { buildTrainStep, type FreezePreset, type TrainStepGraph } from '../../../electron/engine/train/train-step'
import { FIXTURE, f32, get, i64, loadFixture, relativeError } from './resnet-fixture'

const weights = loadFixture('')
const io = loadFixture('io')

/** Feeds for one step: images/labels from the fixture, every param/state/buffer by name. */
function feeds(graph: TrainStepGraph, current: TensorMap, o: { images: string; labels: string; sampleWeights: number[]; lr: number; step: number }) {
  const f: Record<string, ort.Tensor> = {
    images: f32(get(io, o.images)),
    labels: i64(get(io, o.labels).data),
    sample_weights: new ort.Tensor('float32', Float32Array.from(o.sampleWeights), [o.sampleWeights.length]),
    class_weights: f32(get(io, 'class_weights')),
    lr: new ort.Tensor('float32', Float32Array.of(o.lr), [1]),
    step: new ort.Tensor('float32', Float32Array.of(o.step), [1])
  }
  for (const name of [...graph.trainableNames, ...graph.frozenNames, ...graph.bufferNames, ...graph.stateNames]) {
    const t = current.get(name)
    const shape = graph.shapes.get(name)!
    f[name] = new ort.Tensor('float32', t ? t.data : new Float32Array(shape.reduce((a, b) => a * b, 1)), shape)
  }
  return f
}

type Formulation = 'default' | 'alternative' | 'nchwc'
const nchwcBlock = await detectNchwcBlock()

async function gradients(preset: FreezePreset, sampleWeights: number[], alternative: Formulation) {
  const graph = buildTrainStep({
    numClasses: FIXTURE.numClasses, width: FIXTURE.width, size: FIXTURE.size, batch: 4, freeze: preset,
    optimizer: 'sgd', labelSmoothing: FIXTURE.labelSmoothing, exposeGradients: true,
    gradient: alternative === 'alternative' ? { convWeightGrad: 'dilated-conv', convInputGrad: 'flipped-conv' } : alternative === 'nchwc' ? { nchwcBlock } : {}
  })
  const session = await ort.InferenceSession.create(graph.model)
  const out = await session.run(feeds(graph, weights, { images: 'images', labels: 'labels', sampleWeights, lr: 0, step: 1 }))
  return { graph, out }
}

describe('buildTrainStep gradients vs PyTorch (float64 autograd)', () => {
  const cases: Array<[FreezePreset, string, number[], Formulation]> = [
    ['head', 'grads-head', [1, 1, 1, 1], 'default'],
    ['last-stage', 'grads-last-stage', [1, 1, 1, 1], 'default'],
    ['all-but-stem', 'grads-all-but-stem', [1, 1, 1, 1], 'default'],
    ['none', 'grads-none', [1, 1, 1, 1], 'default'],
    ['none', 'grads-none', [1, 1, 1, 1], 'alternative'],
    // onnxruntime's blocked (NCHWc) conv kernels with in-graph filter reorders (CPUs where MLAS has them).
    ['none', 'grads-none', [1, 1, 1, 1], 'nchwc'],
    ['all-but-stem', 'grads-all-but-stem-b3', [1, 1, 1, 0], 'nchwc'],
    // Batch of 4 with the 4th sample padded (weight 0) = PyTorch on the first 3 samples.
    ['all-but-stem', 'grads-all-but-stem-b3', [1, 1, 1, 0], 'default']
  ]
  for (const [preset, fixture, sampleWeights, formulation] of cases) {
    it.skipIf(formulation === 'nchwc' && nchwcBlock === 0)(`${preset}, sample weights [${sampleWeights.join(', ')}], ${formulation} conv gradient formulations: loss, logits and every gradient within 1e-4 relative`, async () => {
      const ref = loadFixture(fixture)
      const { graph, out } = await gradients(preset, sampleWeights, formulation)
      const refGradNames = [...ref.keys()].filter((k) => k.startsWith('grad.')).map((k) => k.slice(5))
      expect(graph.trainableNames).toEqual(refGradNames)
      const n = get(ref, 'logits').shape[0]!
      expect(Math.abs((out.loss!.data as Float32Array)[0]! - get(ref, 'loss').data[0]!)).toBeLessThan(1e-5)
      expect(relativeError((out.logits!.data as Float32Array).subarray(0, n * 3), get(ref, 'logits').data)).toBeLessThan(1e-4)
      let worst = 0
      for (const name of graph.trainableNames) {
        const err = relativeError(out[graph.outputs.gradient(name)]!.data as Float32Array, get(ref, `grad.${name}`).data)
        worst = Math.max(worst, err)
        expect(err, name).toBeLessThan(1e-4)
      }
      console.log(`${fixture} (${formulation}): worst per-tensor gradient error ${worst.toExponential(2)}`)
    })
  }

  it('refuses a batch whose batch statistics would have a single value per channel', () => {
    expect(() => buildTrainStep({ numClasses: 3, width: 0.125, size: 32, batch: 1, freeze: 'none', optimizer: 'sgd' })).toThrow(/layer4\.0\.bn1.*batch of at least 2/)
    expect(() => buildTrainStep({ numClasses: 3, width: 0.125, size: 32, batch: 1, freeze: 'head', optimizer: 'sgd' })).not.toThrow()
  })

  it('partitions every tensor into trainable, frozen and buffer names per preset', () => {
    const all = buildTrainStep({ numClasses: 3, width: 0.125, size: 32, batch: 2, freeze: 'all-but-stem', optimizer: 'sgd' })
    expect(all.frozenNames).toEqual(['conv1.weight', 'bn1.weight', 'bn1.bias', 'bn1.running_mean', 'bn1.running_var'])
    expect(all.bufferNames).toContain('layer1.0.bn1.running_mean')
    expect(all.stateNames[0]).toBe(`momentum.${all.trainableNames[0]}`)
    const head = buildTrainStep({ numClasses: 3, width: 0.125, size: 32, batch: 2, freeze: 'head', optimizer: 'adamw' })
    expect(head.trainableNames).toEqual(['fc.weight', 'fc.bias'])
    expect(head.bufferNames).toEqual([])
    expect(head.stateNames).toEqual(['exp_avg.fc.weight', 'exp_avg_sq.fc.weight', 'exp_avg.fc.bias', 'exp_avg_sq.fc.bias'])
  })
})

describe('buildTrainStep optimizer steps vs PyTorch', () => {
  for (const optimizer of ['sgd', 'adamw'] as const) {
    it(`${optimizer}: parameters and running statistics after two steps within tolerance`, async () => {
      const ref = loadFixture(optimizer)
      const hyper = JSON.parse(
        (await import('../../../electron/engine/models/safetensors')).readSafetensorsWithMetadata(
          new Uint8Array((await import('node:fs')).readFileSync(new URL('../../fixtures/torch/resnet18-w0125-c3-io.safetensors', import.meta.url)))
        ).metadata[optimizer]!
      ) as { lr: number; momentum?: number; weight_decay: number; betas?: [number, number]; eps?: number }
      const graph = buildTrainStep({
        numClasses: 3, width: FIXTURE.width, size: FIXTURE.size, batch: 4, freeze: 'all-but-stem', optimizer,
        momentum: hyper.momentum, weightDecay: hyper.weight_decay, betas: hyper.betas, eps: hyper.eps, labelSmoothing: FIXTURE.labelSmoothing
      })
      const session = await ort.InferenceSession.create(graph.model)
      const current: TensorMap = new Map(weights)
      const batches = [['images', 'labels'], ['images2', 'labels2']] as const
      for (let s = 0; s < 2; s++) {
        const out = await session.run(feeds(graph, current, { images: batches[s]![0], labels: batches[s]![1], sampleWeights: [1, 1, 1, 1], lr: hyper.lr, step: s + 1 }))
        expect(Math.abs((out.loss!.data as Float32Array)[0]! - get(ref, `loss${s + 1}`).data[0]!)).toBeLessThan(1e-4)
        for (const name of [...graph.trainableNames, ...graph.stateNames, ...graph.bufferNames]) {
          const t = out[graph.outputs.updated(name)]!
          current.set(name, { shape: [...t.dims], data: t.data as Float32Array })
        }
      }
      // AdamW's update m/(√v + eps) is normalised per element: where a gradient is ~0 its
      // fp32 rounding noise (relative to eps = 1e-8) moves the update by up to lr, so AdamW
      // parameters are compared at 1e-3; its first moment (linear in the gradients) at 1e-4.
      const paramTolerance = optimizer === 'sgd' ? 1e-4 : 1e-3
      const stateName = (name: string) => (optimizer === 'sgd' ? `momentum.${name}` : `exp_avg.${name}`)
      let worstParam = 0
      let worstState = 0
      for (const name of graph.trainableNames) {
        const paramErr = relativeError(current.get(name)!.data, get(ref, `param.${name}`).data)
        const stateErr = relativeError(current.get(stateName(name))!.data, get(ref, `state.${name}`).data)
        worstParam = Math.max(worstParam, paramErr)
        worstState = Math.max(worstState, stateErr)
        expect(paramErr, name).toBeLessThan(paramTolerance)
        expect(stateErr, stateName(name)).toBeLessThan(1e-4)
      }
      console.log(`${optimizer}: worst per-tensor error: parameters ${worstParam.toExponential(2)}, optimizer state ${worstState.toExponential(2)}`)
      for (const name of graph.bufferNames) expect(relativeError(current.get(name)!.data, get(ref, `buffer.${name}`).data), name).toBeLessThan(1e-4)
    })
  }
})
