import { float } from '../../onnx/graph'
import type { BatchNormLayer } from '../ir'
import { asChannelMap, asVector, type GradResult, type LayerRule } from './rule'

/**
 * BatchNormalization (torch.nn.BatchNorm2d). Two modes, chosen per layer by the caller:
 *
 * Running statistics ("eval", frozen layers, as detectron2's FrozenBatchNorm):
 *   y = (x − μ_run) · γ / √(σ²_run + ε) + β       → the ONNX inference op;
 *   dx = dy · γ / √(σ²_run + ε),  dγ = Σ dy · x̂,  dβ = Σ dy.
 *
 * Batch statistics ("train"): with a sample mask m (1 real, 0 padding) and
 * cnt = Σm · H · W, μ = Σ m·x / cnt, σ² = Σ m·(x − μ)² / cnt (biased, as torch normalises),
 * d = x − μ, y = d · γ/√(σ² + ε) + β. Padded samples never touch the statistics.
 *   dx = m · γ/√(σ²+ε) · (dy − Σdy/cnt − d · Σ(dy·d) / (cnt · (σ²+ε)))
 *   dγ = Σ dy · d / √(σ²+ε),  dβ = Σ dy
 * (dy of a padded sample is 0 since its loss weight is 0; the factor m stops the
 * statistics terms from reaching it.) Running statistics, as torch:
 *   μ_run ← (1 − momentum)·μ_run + momentum·μ,  σ²_run ← (1 − momentum)·σ²_run + momentum·σ²·cnt/(cnt − 1).
 */
export const batchNorm: LayerRule<BatchNormLayer> = {
  forward(layer, ctx) {
    const { g } = ctx
    const x = layer.inputs[0]
    if (!ctx.batchStats) {
      g.op1('BatchNormalization', [x, layer.weight, layer.bias, layer.runningMean, layer.runningVar], { epsilon: float(layer.eps) }, layer.output)
      return {}
    }
    const [n, , h, w] = ctx.shapeOf(x) as [number, number, number, number]
    const hw = h * w
    const axes023 = g.i64([0, 2, 3])
    const axes23 = g.i64([2, 3])
    const axes0 = g.i64([0])
    const mask = ctx.sampleMask
    // In opset 17 ReduceSum takes axes as an input, ReduceSumSquare as an attribute.
    const reduceOver = (reduce: 'ReduceSum' | 'ReduceSumSquare', v: string, axes: number[]): string =>
      reduce === 'ReduceSum' ? g.op1('ReduceSum', [v, axes.length === 2 ? axes23 : axes023], { keepdims: 1 }) : g.op1('ReduceSumSquare', [v], { axes, keepdims: 1 })
    // cnt: [] float32, the number of (real sample, pixel) positions per channel
    const cnt = mask ? g.op1('Mul', [g.op1('ReduceSum', [mask], { keepdims: 0 }), g.f32(hw)]) : g.f32(n * hw)
    // Σ over (N, H, W) of v · m (or of v² · m), as [1, C, 1, 1]; the mask multiplies
    // per-sample sums only. ReduceSumSquare avoids writing (x − μ)² out.
    const maskedSum = (v: string, reduce: 'ReduceSum' | 'ReduceSumSquare'): string =>
      mask
        ? g.op1('ReduceSum', [g.op1('Mul', [reduceOver(reduce, v, [2, 3]), mask]), axes0], { keepdims: 1 })
        : reduceOver(reduce, v, [0, 2, 3])
    const mean = g.op1('Div', [maskedSum(x, 'ReduceSum'), cnt]) // [1, C, 1, 1]
    const d = g.op1('Sub', [x, mean]) // [N, C, H, W]
    const variance = g.op1('Div', [maskedSum(d, 'ReduceSumSquare'), cnt]) // [1, C, 1, 1]
    const invstd = g.op1('Reciprocal', [g.op1('Sqrt', [g.op1('Add', [variance, g.f32(layer.eps)])])])
    const scale = g.op1('Mul', [asChannelMap(g, layer.weight), invstd]) // γ/√(σ²+ε): [1, C, 1, 1]
    // y = d · γ/√(σ²+ε) + β in one pass: the inference op over d (mean 0) instead of a Mul and an Add.
    const c = ctx.shapeOf(x)[1]!
    const zeros = g.constant(`${layer.name}.zero_mean`, { dtype: 'float32', shape: [c], data: new Float32Array(c) })
    g.op1('BatchNormalization', [d, layer.weight, layer.bias, zeros, asVector(g, variance)], { epsilon: float(layer.eps) }, layer.output)

    const m = layer.momentum
    const keep = g.f32(1 - m)
    const take = g.f32(m)
    // cnt/(cnt − 1), guarded: a padded batch may leave one value per channel (variance 0).
    const unbiased = g.op1('Div', [cnt, g.op1('Max', [g.op1('Sub', [cnt, g.f32(1)]), g.f32(1)])])
    ctx.updateBuffer(layer.runningMean, g.op1('Add', [g.op1('Mul', [layer.runningMean, keep]), g.op1('Mul', [asVector(g, mean), take])]))
    ctx.updateBuffer(
      layer.runningVar,
      g.op1('Add', [g.op1('Mul', [layer.runningVar, keep]), g.op1('Mul', [g.op1('Mul', [asVector(g, variance), unbiased]), take])])
    )
    return { d, invstd, scale, cnt }
  },

  backward(layer, dY, ctx) {
    const { g, saved } = ctx
    const result: GradResult = { inputs: [undefined], params: new Map() }
    const axes023 = g.i64([0, 2, 3])
    if (!saved.d) {
      // Running statistics: an affine map per channel.
      const invstd = g.op1('Reciprocal', [g.op1('Sqrt', [g.op1('Add', [layer.runningVar, g.f32(layer.eps)])])]) // [C]
      if (ctx.wantInputGrads[0]) result.inputs[0] = g.op1('Mul', [dY, asChannelMap(g, g.op1('Mul', [layer.weight, invstd]))])
      if (ctx.wantParamGrads) {
        const xhat = g.op1('Mul', [g.op1('Sub', [layer.inputs[0], asChannelMap(g, layer.runningMean)]), asChannelMap(g, invstd)])
        result.params.set(layer.weight, g.op1('ReduceSum', [g.op1('Mul', [dY, xhat]), axes023], { keepdims: 0 }))
        result.params.set(layer.bias, g.op1('ReduceSum', [dY, axes023], { keepdims: 0 }))
      }
      return result
    }
    const { d, invstd, scale, cnt } = saved as { d: string; invstd: string; scale: string; cnt: string }
    const sumDy = g.op1('ReduceSum', [dY, axes023], { keepdims: 1 }) // [1, C, 1, 1]
    const sumDyD = g.op1('ReduceSum', [g.op1('Mul', [dY, d]), axes023], { keepdims: 1 }) // [1, C, 1, 1]
    if (ctx.wantParamGrads) {
      result.params.set(layer.weight, asVector(g, g.op1('Mul', [sumDyD, invstd])))
      result.params.set(layer.bias, asVector(g, sumDy))
    }
    if (ctx.wantInputGrads[0]) {
      // dx = dy·scale − m·scale·(Σdy/cnt + d·Σ(dy·d)·invstd²/cnt)
      const a = g.op1('Div', [g.op1('Mul', [scale, sumDy]), cnt]) // [1, C, 1, 1]
      const b = g.op1('Div', [g.op1('Mul', [g.op1('Mul', [scale, sumDyD]), g.op1('Mul', [invstd, invstd])]), cnt])
      // −(d·bm + am) in ONE pass: the inference BatchNormalization (mean 0, var 1, ε 0) is a
      // per-channel affine map; with a mask the coefficients differ per sample, so d is seen
      // as [1, N·C, H, W] (a free reshape) with one channel per (sample, channel).
      const [n, c, h, w] = ctx.shapeOf(layer.inputs[0]) as [number, number, number, number]
      const mask = ctx.sampleMask
      const groups = mask ? n * c : c
      const coeff = (v: string): string => g.op1('Reshape', [g.op1('Neg', [mask ? g.op1('Mul', [v, mask]) : v]), g.i64([groups])]) // [N·C] or [C]
      const zeros = g.constant(`${layer.name}.bwd_zeros`, { dtype: 'float32', shape: [groups], data: new Float32Array(groups) })
      const ones = g.constant(`${layer.name}.bwd_ones`, { dtype: 'float32', shape: [groups], data: new Float32Array(groups).fill(1) })
      const dView = mask ? g.op1('Reshape', [d, g.i64([1, n * c, h, w])]) : d
      const negCorrection = g.op1('BatchNormalization', [dView, coeff(b), coeff(a), zeros, ones], { epsilon: float(0) })
      const negCorrectionN = mask ? g.op1('Reshape', [negCorrection, g.i64([n, c, h, w])]) : negCorrection
      result.inputs[0] = g.op1('Add', [g.op1('Mul', [dY, scale]), negCorrectionN])
    }
    return result
  }
}
