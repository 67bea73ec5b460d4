import { describe, expect, it } from 'vitest'
import { onnxRoot } from '../../../electron/engine/onnx/onnx-proto'
import { detectNchwcBlock } from '../../../electron/engine/onnx/nchwc'
import { buildTrainStep } from '../../../electron/engine/train/train-step'
import { gradCheck } from './nn-gradcheck'

/**
 * The Winograd F(2×2, 3×3) weight gradient (electron/engine/nn/layers/winograd.ts) against the
 * direct tap form, on shapes where the tiling has edges (odd and unequal sides) and with the
 * batch split into chunks; and where the CPU training step uses it.
 */
const build = (outChannels: number) => (net: Parameters<Parameters<typeof gradCheck>[0]['build']>[0], x: string) => void net.conv(x, 'c', { outChannels, kernel: 3, stride: 1, pad: 1 })

describe('Winograd conv weight gradient', () => {
  for (const s of [
    { input: [3, 16, 6, 6], co: 24, chunkBytes: 16 * 2 ** 20, label: 'even sides, one chunk' },
    { input: [3, 16, 7, 5], co: 24, chunkBytes: 16 * 2 ** 20, label: 'odd and unequal sides, one chunk' },
    { input: [4, 8, 9, 11], co: 16, chunkBytes: 1, label: 'odd sides, one sample per chunk (4 chunks)' },
    { input: [6, 8, 5, 8], co: 8, chunkBytes: 2 * 16 * 8 * 3 * 4 * 4, label: 'two samples per chunk (3 chunks)' },
    // sides multiples of 4, map ≥ 28²: F(4×4, 3×3), larger transform coefficients
    { input: [2, 8, 28, 28], co: 16, chunkBytes: 16 * 2 ** 20, label: 'F(4×4): 28², one chunk', tol: 3e-5 },
    { input: [3, 8, 32, 28], co: 8, chunkBytes: 1, label: 'F(4×4): unequal sides, one sample per chunk', tol: 3e-5 }
  ]) {
    it(`${s.label}: dW equals the tap form's to fp32 rounding and matches finite differences`, async () => {
      const wino = await gradCheck({ inputShape: s.input, build: build(s.co), samples: 24, gradient: { convWeightGrad: 'winograd', winogradChunkBytes: s.chunkBytes } })
      expect(wino.errors.get('c.weight')!).toBeLessThan(2e-3)
      const taps = await gradCheck({ inputShape: s.input, build: build(s.co), samples: 1, gradient: { convWeightGrad: 'tap-matmul' } })
      const got = wino.analytic.get('c.weight')!
      const want = taps.analytic.get('c.weight')!
      const scale = Math.max(...want.map(Math.abs))
      let worst = 0
      for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!) / scale)
      expect(worst).toBeLessThan(s.tol ?? 1e-5)
    })
  }

  it('other shapes (stride 2, 1×1) fall back to the chunked taps and still match finite differences', async () => {
    for (const [kernel, stride, pad] of [[3, 2, 1], [1, 2, 0], [1, 1, 0]] as const) {
      const { errors } = await gradCheck({ inputShape: [2, 4, 6, 6], build: (net, x) => void net.conv(x, 'c', { outChannels: 3, kernel, stride, pad }), gradient: { convWeightGrad: 'winograd' } })
      expect(errors.get('c.weight')!, `${kernel}x${kernel} stride ${stride}`).toBeLessThan(2e-3)
    }
  })
})

const nchwcBlock = await detectNchwcBlock()

describe.skipIf(nchwcBlock === 0)('Winograd in the CPU training step', () => {
  it('by-shape takes it for 3×3 stride-1 convs of ≥ 1 GFLOP with ≥ 16 input channels whose transformed gradient is no larger than their input; winograd: false turns it off', () => {
    const convs3d = (winograd: boolean, small = false): string[] => {
      const shape = small ? { width: 0.25, size: 64, inputChannels: 1 as const } : { width: 0.5, size: 224 }
      const step = buildTrainStep({ numClasses: 2, ...shape, batch: 32, freeze: 'none', optimizer: 'sgd', gradient: { nchwcBlock, winograd } })
      const ModelProto = onnxRoot().lookupType('onnx.ModelProto')
      const model = ModelProto.toObject(ModelProto.decode(step.model)) as { graph: { node: Array<{ op_type: string; name: string; attribute: Array<{ name: string; ints?: number[] }> }> } }
      return model.graph.node.filter((n) => n.op_type === 'Conv' && n.attribute.find((a) => a.name === 'kernel_shape')?.ints?.length === 3).map((n) => n.name.split('/')[1]!)
    }
    const layers = [...new Set(convs3d(true))].sort()
    // width 0.5 at 224 px, batch 32: each 3×3 conv is 1.85 GFLOP; layer1 (32 channels, 56²:
    // 36·32 ≤ 32·56²), layer2 (64, 28²: 36·64 ≤ 32·28²) and layer3 (128, 14²: 16·128 ≤ 32·14²)
    // qualify, layer4 (256, 7²: 16·256 > 32·7²) keeps the taps, as do the stride-2 first convs
    // of layer2–4 and the 7×7 stem.
    const expected = ['layer1.0.conv1', 'layer1.0.conv2', 'layer1.1.conv1', 'layer1.1.conv2', 'layer2.0.conv2', 'layer2.1.conv1', 'layer2.1.conv2', 'layer3.0.conv2', 'layer3.1.conv1', 'layer3.1.conv2']
    expect(layers).toEqual(expected)
    expect(convs3d(false)).toEqual([])
    // the auto recipe's small model (width 0.25, one channel, 64 px): 0.04 GFLOP per conv, none
    expect(convs3d(true, true)).toEqual([])
  })
})
