import type { OnnxGraph } from '../../onnx/graph'
import { emitNchwcConv, fitsNchwc } from '../../onnx/nchwc'
import type { ConvLayer } from '../ir'
import type { BackwardContext, GradResult, LayerRule } from './rule'

/**
 * Conv (torch.nn.Conv2d, square kernel, groups 1).
 *   forward:  Y = Conv(X, W[, b])                        X: [N, Ci, H, W], W: [Co, Ci, k, k]
 *   dX = ConvTranspose(dY, W) with the forward strides/pads and
 *        output_padding = (H + 2p − k) mod s, which restores H exactly.
 *   dW[co, ci, i, j] = Σ_{n,y,x} dY[n, co, y, x] · Xpad[n, ci, s·y + i, s·x + j]
 *   db = Σ_{n,y,x} dY
 */
export const conv: LayerRule<ConvLayer> = {
  forward(layer, { g, shapeOf, nchwcBlock = 0 }) {
    const ci = shapeOf(layer.inputs[0])[1]!
    const co = shapeOf(layer.output)[1]!
    if (fitsNchwc(ci, co, nchwcBlock)) {
      const { kernel, stride, pad } = layer
      emitNchwcConv(g, { x: layer.inputs[0], w: layer.weight, bias: layer.bias, ci, co, kernel, stride, pad, block: nchwcBlock }, layer.output)
      return {}
    }
    const inputs = layer.bias ? [layer.inputs[0], layer.weight, layer.bias] : [layer.inputs[0], layer.weight]
    g.op1('Conv', inputs, convAttrs(layer), layer.output)
    return {}
  },

  backward(layer, dY, ctx) {
    const { g } = ctx
    const x = layer.inputs[0]
    const [, , h, w] = ctx.shapeOf(x) as [number, number, number, number]
    const { kernel: k, stride: s, pad: p } = layer
    const result: GradResult = { inputs: [undefined], params: new Map() }
    if (ctx.wantInputGrads[0]) {
      const ci = ctx.shapeOf(x)[1]!
      const co = ctx.shapeOf(layer.output)[1]!
      if (s === 1 && (ctx.options.convInputGrad === 'flipped-conv' || fitsNchwc(ci, co, ctx.options.nchwcBlock))) {
        result.inputs[0] = inputGradFlippedConv(layer, dY, ctx)
      } else {
        const outputPadding = [(h + 2 * p - k) % s, (w + 2 * p - k) % s]
        result.inputs[0] = g.op1('ConvTranspose', [dY, layer.weight], { ...convAttrs(layer), output_padding: outputPadding })
      }
    }
    if (ctx.wantParamGrads) {
      result.params.set(layer.weight, ctx.options.convWeightGrad === 'dilated-conv' ? weightGradDilatedConv(layer, dY, ctx) : weightGradTapMatMul(layer, dY, ctx))
      if (layer.bias) result.params.set(layer.bias, g.op1('ReduceSum', [dY, g.i64([0, 2, 3])], { keepdims: 0 }))
    }
    return result
  }
}

/**
 * dX of a stride-1 conv as a plain Conv: dX = Conv(dY, flip(Wᵀ)) with pads k − 1 − p, where
 * Wᵀ swaps the channel axes ([Ci, Co, k, k]) and flip reverses both spatial axes.
 */
function inputGradFlippedConv(layer: ConvLayer, dY: string, ctx: BackwardContext): string {
  const { g } = ctx
  const { kernel: k, pad: p } = layer
  const co = ctx.shapeOf(layer.output)[1]!
  const ci = ctx.shapeOf(layer.inputs[0])[1]!
  // Reverse the k·k taps with a permutation matrix (exact in fp32; a negative-step Slice
  // does the same but element by element, measurably slower on ORT CPU).
  const reversal = new Float32Array(k * k * k * k)
  for (let t = 0; t < k * k; t++) reversal[t * k * k + (k * k - 1 - t)] = 1
  const taps = g.op1('Reshape', [layer.weight, g.i64([co * ci, k * k])]) // [Co·Ci, k·k]
  const reversed = g.op1('MatMul', [taps, g.constant('tap_reversal', { dtype: 'float32', shape: [k * k, k * k], data: reversal })])
  const flipped = g.op1('Transpose', [g.op1('Reshape', [reversed, g.i64([co, ci, k, k])])], { perm: [1, 0, 2, 3] }) // [Ci, Co, k, k]
  const q = k - 1 - p
  const block = ctx.options.nchwcBlock
  if (fitsNchwc(co, ci, block)) return emitNchwcConv(g, { x: dY, w: flipped, ci: co, co: ci, kernel: k, stride: 1, pad: q, block })
  return g.op1('Conv', [dY, flipped], { kernel_shape: [k, k], strides: [1, 1], pads: [q, q, q, q] })
}

function convAttrs(layer: ConvLayer) {
  const { kernel: k, stride: s, pad: p } = layer
  return { kernel_shape: [k, k], strides: [s, s], pads: [p, p, p, p] }
}

/**
 * dW as k² MatMuls: pad X once and move channels last, then for each tap (i, j) take the
 * strided window Xs[n, y, x, ci] = Xpad[n, s·y + i, s·x + j, ci] as an [N·oh·ow, Ci]
 * matrix and multiply dYᵀ [Co, N·oh·ow] by it. A 1×1 conv is a single MatMul.
 */
/** Below this many input channels the tap MatMuls are grouped per kernel row. */
const SMALL_CI = 16

function weightGradTapMatMul(layer: ConvLayer, dY: string, ctx: BackwardContext): string {
  const { g } = ctx
  const x = layer.inputs[0]
  const [n, ci] = ctx.shapeOf(x) as [number, number, number, number]
  const [, co, oh, ow] = ctx.shapeOf(layer.output) as [number, number, number, number]
  const { kernel: k, stride: s, pad: p } = layer
  const rows = n * oh * ow
  // dYt: [Co, N·oh·ow]
  const dYt = g.op1('Reshape', [g.op1('Transpose', [dY], { perm: [1, 0, 2, 3] }), g.i64([co, rows])])
  const padded = p > 0 ? g.op1('Pad', [x, g.i64([0, 0, p, p, 0, 0, p, p])]) : x
  // xt: [N, H + 2p, W + 2p, Ci]
  const xt = g.op1('Transpose', [padded], { perm: [0, 2, 3, 1] })
  const window = (i: number, j: number): string =>
    k === 1 && s === 1 ? xt : g.op1('Slice', [xt, g.i64([i, j]), g.i64([i + s * (oh - 1) + 1, j + s * (ow - 1) + 1]), g.i64([1, 2]), g.i64([s, s])])
  const taps: string[] = []
  // Few input channels (the stem: Ci = 3) make a [Co, Ci] MatMul per tap mostly padding
  // (SGEMM packs 16 columns at a time): there one MatMul per kernel row takes the row's k
  // windows side by side, [N·oh·ow, k·Ci], which keeps the tap-major order of the result.
  const perRow = k > 1 && ci < SMALL_CI
  for (let i = 0; i < k; i++) {
    if (perRow) {
      const row = g.op1('Concat', Array.from({ length: k }, (_, j) => window(i, j)), { axis: 3 }) // [N, oh, ow, k·Ci]
      taps.push(g.op1('MatMul', [dYt, g.op1('Reshape', [row, g.i64([rows, k * ci])])])) // [Co, k·Ci]
      continue
    }
    // tap: [Co, Ci]
    for (let j = 0; j < k; j++) taps.push(g.op1('MatMul', [dYt, g.op1('Reshape', [window(i, j), g.i64([rows, ci])])]))
  }
  if (k === 1) return g.op1('Reshape', [taps[0]!, g.i64([co, ci, 1, 1])])
  // [Co, k·k·Ci] (tap-major) → [Co, k, k, Ci] → [Co, Ci, k, k]
  const stacked = g.op1('Concat', taps, { axis: 1 })
  return g.op1('Transpose', [g.op1('Reshape', [stacked, g.i64([co, k, k, ci])])], { perm: [0, 3, 1, 2] })
}

/**
 * dW as one Conv: treat the batch as the channel axis, i.e. Conv(Xᵀ [Ci, N, H, W],
 * dYᵀ [Co, N, oh, ow] as kernel, dilation = stride, pads = p) → [Ci, Co, ≥k, ≥k]; crop to
 * k×k (rows the forward never reached) and swap the first two axes.
 */
function weightGradDilatedConv(layer: ConvLayer, dY: string, ctx: BackwardContext): string {
  const { g } = ctx
  const x = layer.inputs[0]
  const [, , h, w] = ctx.shapeOf(x) as [number, number, number, number]
  const [, , oh, ow] = ctx.shapeOf(layer.output) as [number, number, number, number]
  const { kernel: k, stride: s, pad: p } = layer
  const xT = g.op1('Transpose', [x], { perm: [1, 0, 2, 3] })
  const dYT = g.op1('Transpose', [dY], { perm: [1, 0, 2, 3] })
  let out = g.op1('Conv', [xT, dYT], { kernel_shape: [oh, ow], dilations: [s, s], pads: [p, p, p, p], strides: [1, 1] })
  const fullH = h + 2 * p - s * (oh - 1)
  const fullW = w + 2 * p - s * (ow - 1)
  if (fullH !== k || fullW !== k) out = cropTo(g, out, k)
  return g.op1('Transpose', [out], { perm: [1, 0, 2, 3] })
}

function cropTo(g: OnnxGraph, v: string, k: number): string {
  return g.op1('Slice', [v, g.i64([0, 0]), g.i64([k, k]), g.i64([2, 3])])
}
