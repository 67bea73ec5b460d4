import { describe, expect, it } from 'vitest'
import { detectNchwcBlock } from '../../../electron/engine/onnx/nchwc'
import { distinctValues, gradCheck } from './nn-gradcheck'

/** Every gradient rule against central finite differences (float32 graphs, float64 sums). */
const TOL = 2e-3

function expectAllBelow(errors: Map<string, number>, tol = TOL): void {
  for (const [name, err] of errors) expect(err, name).toBeLessThan(tol)
}

describe('Conv gradient rule', () => {
  const shapes = [
    { label: '3x3 stride 1 pad 1', input: [2, 3, 6, 6], kernel: 3, stride: 1, pad: 1 },
    { label: '3x3 stride 1 pad 1, odd and unequal sides', input: [2, 3, 7, 5], kernel: 3, stride: 1, pad: 1 },
    { label: '3x3 stride 2 pad 1, even input (output_padding 1)', input: [2, 3, 8, 8], kernel: 3, stride: 2, pad: 1 },
    { label: '3x3 stride 2 pad 1, odd input (output_padding 0)', input: [2, 2, 7, 7], kernel: 3, stride: 2, pad: 1 },
    { label: '7x7 stride 2 pad 3 (stem)', input: [1, 3, 9, 9], kernel: 7, stride: 2, pad: 3 },
    { label: '1x1 stride 2 (downsample)', input: [2, 4, 6, 6], kernel: 1, stride: 2, pad: 0 },
    { label: '1x1 stride 1 with bias', input: [2, 4, 3, 3], kernel: 1, stride: 1, pad: 0, bias: true }
  ]
  const formulations = [
    { convWeightGrad: 'tap-matmul', convInputGrad: 'conv-transpose' },
    // one sample's rows per chunk: batch 2 runs as two chunks, batch 1 (the stem case) as the tap form
    { convWeightGrad: 'tap-chunked', convInputGrad: 'conv-transpose', dwChunkRows: 1 },
    { convWeightGrad: 'per-sample', convInputGrad: 'conv-transpose' },
    { convWeightGrad: 'channels-first', convInputGrad: 'conv-transpose' },
    { convWeightGrad: 'phases', convInputGrad: 'conv-transpose' },
    { convWeightGrad: 'dilated-conv', convInputGrad: 'flipped-conv' },
    // 3x3 stride 1 pad 1 only; other shapes fall back to the chunked taps
    { convWeightGrad: 'winograd', convInputGrad: 'conv-transpose' }
  ] as const
  for (const formulation of formulations) {
    for (const s of shapes) {
      it(`${s.label}, dW via ${formulation.convWeightGrad}, dX via ${formulation.convInputGrad}: dX, dW${s.bias ? ', db' : ''} match finite differences`, async () => {
        const { errors } = await gradCheck({
          inputShape: s.input,
          build: (net, x) => void net.conv(x, 'c', { outChannels: 3, kernel: s.kernel, stride: s.stride, pad: s.pad, bias: s.bias }),
          gradient: formulation
        })
        expect([...errors.keys()].sort()).toEqual(s.bias ? ['c.bias', 'c.weight', 'x'] : ['c.weight', 'x'])
        expectAllBelow(errors)
      })
    }
  }
})

const nchwcBlock = await detectNchwcBlock()

describe.skipIf(nchwcBlock === 0)('Conv 3x3 stride-2 input gradient as four NCHWc phase convs (CPUs with MLAS NCHWc kernels)', () => {
  // Channel counts a multiple of the block (8 or 16), so the phase form applies; an even and an odd input side.
  for (const input of [[2, 16, 8, 8], [2, 16, 7, 7], [1, 16, 6, 5]]) {
    it(`input ${input.join('x')}, 32 output channels: dX matches finite differences and equals ConvTranspose's to fp32 rounding`, async () => {
      const build = (net: Parameters<Parameters<typeof gradCheck>[0]['build']>[0], x: string) => void net.conv(x, 'c', { outChannels: 32, kernel: 3, stride: 2, pad: 1 })
      const phases = await gradCheck({ inputShape: input, build, samples: 64, gradient: { nchwcBlock, stridedInputGrad: 'phases' } })
      expectAllBelow(phases.errors)
      const reference = await gradCheck({ inputShape: input, build, samples: 1, gradient: { nchwcBlock, stridedInputGrad: 'conv-transpose' } })
      const got = phases.analytic.get('x')!
      const want = reference.analytic.get('x')!
      const scale = Math.max(...want.map(Math.abs))
      for (let i = 0; i < want.length; i++) expect(Math.abs(got[i]! - want[i]!), `dX[${i}]`).toBeLessThanOrEqual(1e-5 * scale)
    })
  }
})

describe('BatchNormalization gradient rule', () => {
  it('running statistics (eval mode): dx, dγ, dβ', async () => {
    const { errors } = await gradCheck({ inputShape: [3, 2, 3, 3], build: (net, x) => void net.batchNorm(x, 'bn') })
    expect([...errors.keys()].sort()).toEqual(['bn.bias', 'bn.weight', 'x'])
    expectAllBelow(errors)
  })

  it('batch statistics: dx, dγ, dβ, and torch running-stat updates (unbiased variance)', async () => {
    const { errors, feeds, outputs } = await gradCheck({ inputShape: [4, 2, 3, 3], build: (net, x) => void net.batchNorm(x, 'bn', { momentum: 0.1 }), batchStats: true, h: 5e-3 })
    expectAllBelow(errors)
    const x = feeds.x!.data as Float32Array
    for (let c = 0; c < 2; c++) {
      const vals: number[] = []
      for (let n = 0; n < 4; n++) for (let i = 0; i < 9; i++) vals.push(x[(n * 2 + c) * 9 + i]!)
      const mean = vals.reduce((a, b) => a + b, 0) / vals.length
      const unbiased = vals.reduce((a, v) => a + (v - mean) ** 2, 0) / (vals.length - 1)
      const rm = (feeds['bn.running_mean']!.data as Float32Array)[c]!
      const rv = (feeds['bn.running_var']!.data as Float32Array)[c]!
      expect((outputs['updated:bn.running_mean']!.data as Float32Array)[c]).toBeCloseTo(0.9 * rm + 0.1 * mean, 5)
      expect((outputs['updated:bn.running_var']!.data as Float32Array)[c]).toBeCloseTo(0.9 * rv + 0.1 * unbiased, 5)
    }
  })

  it('batch statistics with a padded sample: padding gets no gradient and does not move the statistics', async () => {
    const input = Float32Array.from({ length: 3 * 2 * 3 * 3 }, (_, i) => Math.sin(i * 1.7) * 2)
    const padded = await gradCheck({ inputShape: [3, 2, 3, 3], input, build: (net, x) => void net.batchNorm(x, 'bn'), batchStats: true, mask: [1, 0, 1], h: 5e-3 })
    expectAllBelow(padded.errors)
    const dx = padded.analytic.get('x')!
    expect(Math.max(...dx.subarray(18, 36).map(Math.abs))).toBe(0)
    // Changing the padded sample's pixels changes nothing for the real samples.
    const changed = Float32Array.from(input)
    changed.fill(100, 18, 36)
    const other = await gradCheck({ inputShape: [3, 2, 3, 3], input: changed, build: (net, x) => void net.batchNorm(x, 'bn'), batchStats: true, mask: [1, 0, 1], h: 5e-3 })
    const y1 = padded.outputs.y!.data as Float32Array
    const y2 = other.outputs.y!.data as Float32Array
    for (const n of [0, 2]) for (let i = n * 18; i < n * 18 + 18; i++) expect(y2[i]).toBeCloseTo(y1[i]!, 5)
    expect(other.outputs['updated:bn.running_var']!.data).toEqual(padded.outputs['updated:bn.running_var']!.data)
  })
})

describe('pointwise, pooling and head rules', () => {
  it('Relu: Where(y > 0, dy, 0)', async () => {
    const { errors } = await gradCheck({ inputShape: [2, 3, 4, 4], input: distinctValues(96, 3), build: (net, x) => void net.relu(x, 'r') })
    expectAllBelow(errors)
  })

  it('MaxPool 3x3 stride 2 pad 1 (overlapping windows): Indices + ScatterElements add', async () => {
    const { errors, analytic } = await gradCheck({
      inputShape: [2, 2, 7, 7], input: distinctValues(196, 5), samples: 40,
      build: (net, x) => void net.maxPool(x, 'p', { kernel: 3, stride: 2, pad: 1 })
    })
    expectAllBelow(errors)
    expect(analytic.get('x')!.filter((v) => v !== 0).length).toBeGreaterThan(0)
  })

  for (const shape of [[2, 2, 7, 7], [1, 3, 8, 6]]) {
    it(`MaxPool 3x3 stride 2 pad 1 without Indices (window-mask, GPU providers), input ${shape.join('x')}: matches finite differences`, async () => {
      const count = shape.reduce((a, b) => a * b, 1)
      const { errors, analytic } = await gradCheck({
        inputShape: shape, input: distinctValues(count, 5), samples: 40, gradient: { maxPoolGrad: 'window-mask' },
        build: (net, x) => void net.maxPool(x, 'p', { kernel: 3, stride: 2, pad: 1 })
      })
      expectAllBelow(errors)
      expect(analytic.get('x')!.filter((v) => v !== 0).length).toBeGreaterThan(0)
    })
  }

  it('MaxPool window-mask routes ties to the first maximum, exactly as Indices do', async () => {
    // Post-ReLU inputs: many windows are all zeros, others share their maximum.
    const input = Float32Array.from({ length: 2 * 2 * 8 * 8 }, (_, i) => Math.max(0, Math.round(Math.sin(i * 0.7) * 3) / 3))
    const build = (net: Parameters<Parameters<typeof gradCheck>[0]['build']>[0], x: string) => void net.maxPool(x, 'p', { kernel: 3, stride: 2, pad: 1 })
    const byIndices = await gradCheck({ inputShape: [2, 2, 8, 8], input, samples: 1, build })
    const byMask = await gradCheck({ inputShape: [2, 2, 8, 8], input, samples: 1, build, gradient: { maxPoolGrad: 'window-mask' } })
    const mask = byMask.analytic.get('x')!
    const indices = byIndices.analytic.get('x')!
    // The same pixels get gradient (the routing); where two windows add into one pixel the
    // sums may differ in the last bit (scatter order vs ConvTranspose's).
    expect(Array.from(mask, (v) => v !== 0)).toEqual(Array.from(indices, (v) => v !== 0))
    for (let i = 0; i < mask.length; i++) expect(Math.abs(mask[i]! - indices[i]!)).toBeLessThanOrEqual(1e-6 * Math.abs(indices[i]!))
  })

  it('residual Add with fan-out: gradients of both branches are summed', async () => {
    const { errors } = await gradCheck({
      inputShape: [2, 2, 4, 4], input: distinctValues(64, 7),
      build: (net, x) => {
        const y = net.conv(x, 'c', { outChannels: 2, kernel: 3, pad: 1 })
        net.add2(net.relu(y, 'r'), x, 'sum') // x feeds both the conv and the skip
      }
    })
    expectAllBelow(errors)
  })

  it('GlobalAveragePool → Flatten → Gemm (Linear)', async () => {
    const { errors } = await gradCheck({
      inputShape: [3, 4, 3, 5],
      build: (net, x) => void net.gemm(net.flatten(net.globalAveragePool(x, 'gap'), 'flat'), 'fc', { outFeatures: 3 })
    })
    expect([...errors.keys()].sort()).toEqual(['fc.bias', 'fc.weight', 'x'])
    expectAllBelow(errors)
  })
})
