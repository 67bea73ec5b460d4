import type { OnnxGraph } from '../../onnx/graph'
import { emitNchwcConv, fitsNchwc, fitsNchwcFromNchw, NCHWC_DOMAIN, transposedFilterBlocked } from '../../onnx/nchwc'
import type { ConvLayer } from '../ir'
import type { BackwardContext, GradientOptions, GradResult, LayerRule } from './rule'
import { isWinogradShape, winogradPays, winogradWeightGrad } from './winograd'

/**
 * Conv (torch.nn.Conv2d, square kernel, groups 1).
 *   forward:  Y = Conv(X, W[, b])                        X: [N, Ci, H, W], W: [Co, Ci, k, k]
 *   dX = ConvTranspose(dY, W) with the forward strides/pads and
 *        output_padding = (H + 2p − k) mod s, which restores H exactly; on the NCHWc kernel
 *        stride 1 as a flipped conv, 3×3 stride 2 on small maps as four phase convs.
 *   dW[co, ci, i, j] = Σ_{n,y,x} dY[n, co, y, x] · Xpad[n, ci, s·y + i, s·x + j]
 *   db = Σ_{n,y,x} dY
 */
export const conv: LayerRule<ConvLayer> = {
  forward(layer, { g, shapeOf, nchwcBlock = 0 }) {
    const ci = shapeOf(layer.inputs[0])[1]!
    const co = shapeOf(layer.output)[1]!
    if (fitsNchwc(ci, co, nchwcBlock) || fitsNchwcFromNchw(ci, co, nchwcBlock)) {
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
      } else if (s === 2 && k === 3 && p === 1 && ctx.options.stridedInputGrad === 'phases' && fitsNchwc(co, ci, ctx.options.nchwcBlock) && outputPixels(layer, ctx) <= PHASES_MAX_MAP) {
        result.inputs[0] = inputGradStride2Phases(layer, dY, ctx)
      } else {
        const outputPadding = [(h + 2 * p - k) % s, (w + 2 * p - k) % s]
        result.inputs[0] = g.op1('ConvTranspose', [dY, layer.weight], { ...convAttrs(layer), output_padding: outputPadding })
      }
    }
    if (ctx.wantParamGrads) {
      result.params.set(layer.weight, WEIGHT_GRADS[weightGradForm(layer, ctx)](layer, dY, ctx))
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
  const reversed = g.op1('Reshape', [g.op1('MatMul', [taps, g.constant('tap_reversal', { dtype: 'float32', shape: [k * k, k * k], data: reversal })]), g.i64([co, ci, k, k])])
  const q = k - 1 - p
  const block = ctx.options.nchwcBlock
  if (fitsNchwc(co, ci, block)) {
    // Wᵀ blocked straight from the flipped W (one transpose fewer than Transpose + reorder).
    const filter = transposedFilterBlocked(g, reversed, co, ci, k, block)
    return emitNchwcConv(g, { x: dY, w: filter, filterBlocked: true, ci: co, co: ci, kernel: k, stride: 1, pad: q, block })
  }
  const flipped = g.op1('Transpose', [reversed], { perm: [1, 0, 2, 3] }) // [Ci, Co, k, k]
  return g.op1('Conv', [dY, flipped], { kernel_shape: [k, k], strides: [1, 1], pads: [q, q, q, q] })
}

/**
 * The phase form's output maps at most this large (layer3/layer4's stride-2 convs at 224 px,
 * 14² and 7²; conv-grad-probe 0.85× and 0.63× ConvTranspose's CPU time). layer2's (28²) gains
 * nothing by CPU (1.01×) while its interleave holds two dX-sized buffers at once (25.7 MB each
 * at batch 32), so it keeps ConvTranspose.
 */
const PHASES_MAX_MAP = 196

function outputPixels(layer: ConvLayer, ctx: BackwardContext): number {
  const [, , oh, ow] = ctx.shapeOf(layer.output) as [number, number, number, number]
  return oh * ow
}

/**
 * dX of a 3×3 stride-2 conv (pad 1) as four stride-1 NCHWc convs, one per output phase
 * (row parity e, column parity f), instead of ConvTranspose. Row r = 2y + i − 1 of dX takes
 * tap i of the output rows y with that parity: even rows r = 2a only tap 1 (y = a), odd rows
 * r = 2a + 1 taps 2 (y = a) and 0 (y = a + 1). So phase (e, f) is a correlation of dY with
 * the [1 or 2] × [1 or 2] sub-kernel (taps [1] or [2, 0]; Wᵀ over the channels), padded by
 * one at the bottom/right: 9 taps in all, the forward's FLOPs. The phases stay blocked
 * ([N, Ci/B, oh, ow, B]) and are interleaved by two Concats that move whole B-value blocks;
 * one ReorderInput of dY serves all four, one ReorderOutput ends it. An odd H or W drops the
 * last row or column (dX has 2·oh − 1 rows there).
 */
function inputGradStride2Phases(layer: ConvLayer, dY: string, ctx: BackwardContext): string {
  const { g } = ctx
  const block = ctx.options.nchwcBlock
  const [n, ci, h, w] = ctx.shapeOf(layer.inputs[0]) as [number, number, number, number]
  const [, co, oh, ow] = ctx.shapeOf(layer.output) as [number, number, number, number]
  const dYc = g.op('ReorderInput', [dY], {}, 1, NCHWC_DOMAIN)[0]! // [N, Co/B, oh, ow, B] under [N, Co, oh, ow]
  // All four sub-kernels come from ONE blocked Wᵀ filter [Ci/B, Co/B, 3, 3, Bo, Bi]: per
  // parity a Slice of its tap axes, which moves whole B×B blocks (taps [1], or [2, 0] as
  // start 2, step −2: correlation order).
  const full = g.op1('Reshape', [transposedFilterBlocked(g, layer.weight, co, ci, 3, block), g.i64([ci / block, co / block, 3, 3, block, block])])
  const taps = [{ start: 1, end: 2, step: 1, count: 1 }, { start: 2, end: -4, step: -2, count: 2 }] // even / odd rows (and columns)
  const phase = (e: number, f: number): string => {
    const [te, tf] = [taps[e]!, taps[f]!]
    const sub = g.op1('Slice', [full, g.i64([te.start, tf.start]), g.i64([te.end, tf.end]), g.i64([2, 3]), g.i64([te.step, tf.step])]) // [Ci/B, Co/B, kh, kw, Bo, Bi]
    const [kh, kw] = [te.count, tf.count]
    const filter = g.op1('Reshape', [sub, g.i64([ci, co, kh, kw])]) // blocked Wᵀ sub-kernel
    const attrs = { kernel_shape: [kh, kw], strides: [1, 1], pads: [0, 0, kh - 1, kw - 1] }
    const pc = g.op('Conv', [dYc, filter], attrs, 1, NCHWC_DOMAIN)[0]! // [N, Ci/B, oh, ow, B] under [N, Ci, oh, ow]
    return g.op1('Reshape', [pc, g.i64([n, ci / block, oh, 1, ow, 1, block])])
  }
  const byRow = [0, 1].map((e) => g.op1('Concat', [phase(e, 0), phase(e, 1)], { axis: 5 })) // [N, Ci/B, oh, 1, ow, 2, B]
  let dXc = g.op1('Reshape', [g.op1('Concat', byRow, { axis: 3 }), g.i64([n, ci / block, 2 * oh, 2 * ow, block])])
  if (h !== 2 * oh || w !== 2 * ow) dXc = g.op1('Slice', [dXc, g.i64([0, 0]), g.i64([h, w]), g.i64([2, 3])])
  const flat = g.op1('Reshape', [dXc, g.i64([n, ci, h, w])])
  return g.op('ReorderOutput', [flat], { channels: ci }, 1, NCHWC_DOMAIN)[0]!
}

function convAttrs(layer: ConvLayer) {
  const { kernel: k, stride: s, pad: p } = layer
  return { kernel_shape: [k, k], strides: [s, s], pads: [p, p, p, p] }
}

type WeightGradForm = Exclude<GradientOptions['convWeightGrad'], 'by-shape'>

const WEIGHT_GRADS: Record<WeightGradForm, (layer: ConvLayer, dY: string, ctx: BackwardContext) => string> = {
  'tap-matmul': weightGradTapMatMul,
  'tap-chunked': weightGradTapChunked,
  winograd: (layer, dY, ctx) => (isWinogradShape(layer) ? winogradWeightGrad(layer, dY, ctx) : weightGradTapChunked(layer, dY, ctx)),
  'per-sample': weightGradPerSample,
  'channels-first': weightGradChannelsFirst,
  phases: weightGradPhases,
  'dilated-conv': weightGradDilatedConv
}

/** Below this many input channels the dW MatMuls take a kernel row at a time. */
const SMALL_CI = 16

/** Output maps at least this large (layer1 at 224 px: 56², not layer2's 28²) take the per-sample form. */
const LARGE_MAP = 2048

/**
 * 'by-shape' picks the fastest form measured per conv shape on ORT CPU (bench/conv-grad-probe.ts,
 * electron/engine/train/README.md): few input channels with stride 2 (the stem) as one dilated
 * Conv (0.50× the stride phases' CPU time and less transient memory), stride 1 channels first,
 * on the CPU provider the large 3×3 stride-1 convs through Winograd (0.46–0.64× the tap forms), other
 * stride-1 convs on large maps and the 1×1 stride-2 downsample on a large map (0.50–0.59× the
 * tap form) per sample, the rest tap MatMuls in chunks of samples (one chunk where the batch's
 * rows are few: layer4).
 */
function weightGradForm(layer: ConvLayer, ctx: BackwardContext): WeightGradForm {
  const form = ctx.options.convWeightGrad
  if (form === 'phases' && layer.stride !== 2) return 'channels-first' // phases are written for stride 2
  if (form !== 'by-shape') return form
  const ci = ctx.shapeOf(layer.inputs[0])[1]!
  const [, , oh, ow] = ctx.shapeOf(layer.output) as [number, number, number, number]
  if (layer.kernel > 1 && ci < SMALL_CI) return layer.stride === 2 ? 'dilated-conv' : 'channels-first'
  if (ctx.options.winograd && ctx.options.nchwcBlock > 0 && winogradPays(layer, ctx.shapeOf)) return 'winograd'
  if (layer.stride === 1 && layer.kernel > 1 && oh * ow >= LARGE_MAP) return 'per-sample'
  if (layer.kernel === 1 && layer.stride > 1 && oh * ow >= 784) return 'per-sample'
  return 'tap-chunked'
}

/**
 * dW as k² MatMuls: pad X once and move channels last, then for each tap (i, j) take the
 * strided window Xs[n, y, x, ci] = Xpad[n, s·y + i, s·x + j, ci] as an [N·oh·ow, Ci]
 * matrix and multiply dYᵀ [Co, N·oh·ow] by it. A 1×1 conv is a single MatMul.
 */
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
 * dW as k² batched MatMuls: the tap form with the batch split into c chunks of whole
 * samples, so each SGEMM has K = N·oh·ow / c (≈ options.dwChunkRows) instead of N·oh·ow, then
 * summed over the chunks (bench/conv-grad-probe.ts: layer2 0.80–0.91×, the stride-2 layer2
 * conv 0.83×, layer3 0.90–0.99× the tap form's CPU time at 3136 rows). dYt: [c, Co, K], window: [c, K, Ci] → [c, Co, Ci] per tap.
 */
function weightGradTapChunked(layer: ConvLayer, dY: string, ctx: BackwardContext): string {
  const { g } = ctx
  const x = layer.inputs[0]
  const [n, ci] = ctx.shapeOf(x) as [number, number, number, number]
  const [, co, oh, ow] = ctx.shapeOf(layer.output) as [number, number, number, number]
  const { kernel: k, stride: s, pad: p } = layer
  const perSample = Math.max(1, Math.floor(ctx.options.dwChunkRows / (oh * ow)))
  let c = Math.max(1, Math.round(n / perSample))
  while (n % c !== 0) c--
  if (c === 1) return weightGradTapMatMul(layer, dY, ctx)
  const rows = (n / c) * oh * ow
  // dYt: [c, Co, (N/c)·oh·ow]
  const dYt = g.op1('Reshape', [g.op1('Transpose', [g.op1('Reshape', [dY, g.i64([c, n / c, co, oh * ow])])], { perm: [0, 2, 1, 3] }), g.i64([c, co, rows])])
  const padded = p > 0 ? g.op1('Pad', [x, g.i64([0, 0, p, p, 0, 0, p, p])]) : x
  const xt = g.op1('Transpose', [padded], { perm: [0, 2, 3, 1] }) // [N, H + 2p, W + 2p, Ci]
  const window = (i: number, j: number): string =>
    k === 1 && s === 1 ? xt : g.op1('Slice', [xt, g.i64([i, j]), g.i64([i + s * (oh - 1) + 1, j + s * (ow - 1) + 1]), g.i64([1, 2]), g.i64([s, s])])
  const taps: string[] = []
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) taps.push(g.op1('MatMul', [dYt, g.op1('Reshape', [window(i, j), g.i64([c, rows, ci])])])) // [c, Co, Ci]
  const stacked = taps.length === 1 ? taps[0]! : g.op1('Concat', taps, { axis: 2 }) // [c, Co, k·k·Ci]
  const summed = g.op1('ReduceSum', [stacked, g.i64([0])], { keepdims: 0 }) // [Co, k·k·Ci]
  if (k === 1) return g.op1('Reshape', [summed, g.i64([co, ci, 1, 1])])
  return g.op1('Transpose', [g.op1('Reshape', [summed, g.i64([co, k, k, ci])])], { perm: [0, 3, 1, 2] })
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

/**
 * dW per sample, X kept NCHW: per tap the window of padded X as [N, Ci, oh·ow] times dY as
 * [N, oh·ow, Co] (one batched MatMul), summed over N → [Ci, Co]. On layer1's shapes
 * (K = 56² per sample instead of N·56² = 100352) SGEMM runs ~1.3× faster than the tap form.
 */
function weightGradPerSample(layer: ConvLayer, dY: string, ctx: BackwardContext): string {
  const { g } = ctx
  const x = layer.inputs[0]
  const [n, ci] = ctx.shapeOf(x) as [number, number, number, number]
  const [, co, oh, ow] = ctx.shapeOf(layer.output) as [number, number, number, number]
  const { kernel: k, stride: s, pad: p } = layer
  const dYn = g.op1('Transpose', [g.op1('Reshape', [dY, g.i64([n, co, oh * ow])])], { perm: [0, 2, 1] }) // [N, oh·ow, Co]
  const padded = p > 0 ? g.op1('Pad', [x, g.i64([0, 0, p, p, 0, 0, p, p])]) : x
  const taps: string[] = []
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      const win = k === 1 && s === 1 ? padded : g.op1('Slice', [padded, g.i64([i, j]), g.i64([i + s * (oh - 1) + 1, j + s * (ow - 1) + 1]), g.i64([2, 3]), g.i64([s, s])])
      const prod = g.op1('MatMul', [g.op1('Reshape', [win, g.i64([n, ci, oh * ow])]), dYn]) // [N, Ci, Co]
      taps.push(g.op1('ReduceSum', [prod, g.i64([0])], { keepdims: 1 })) // [1, Ci, Co]
    }
  }
  const stacked = taps.length === 1 ? taps[0]! : g.op1('Concat', taps, { axis: 0 }) // [k·k, Ci, Co]
  return g.op1('Reshape', [g.op1('Transpose', [stacked], { perm: [2, 1, 0] }), g.i64([co, ci, k, k])])
}

/**
 * dW with channels first: X moved to [Ci, N, Hp, Wp] once, the windows of one kernel row
 * stacked as [k·Ci, N·oh·ow] and multiplied by dY as [N·oh·ow, Co] (channels last):
 * [k·Ci, Co] per kernel row, so SGEMM's packed operand is the 64+-column dY.
 */
function weightGradChannelsFirst(layer: ConvLayer, dY: string, ctx: BackwardContext): string {
  const { g } = ctx
  const x = layer.inputs[0]
  const [n, ci] = ctx.shapeOf(x) as [number, number, number, number]
  const [, co, oh, ow] = ctx.shapeOf(layer.output) as [number, number, number, number]
  const { kernel: k, stride: s, pad: p } = layer
  const rows = n * oh * ow
  const dYn = g.op1('Reshape', [g.op1('Transpose', [dY], { perm: [0, 2, 3, 1] }), g.i64([rows, co])]) // [N·oh·ow, Co]
  const padded = p > 0 ? g.op1('Pad', [x, g.i64([0, 0, p, p, 0, 0, p, p])]) : x
  const xc = g.op1('Transpose', [padded], { perm: [1, 0, 2, 3] }) // [Ci, N, Hp, Wp]
  const window = (i: number, j: number): string =>
    k === 1 && s === 1 ? xc : g.op1('Slice', [xc, g.i64([i, j]), g.i64([i + s * (oh - 1) + 1, j + s * (ow - 1) + 1]), g.i64([2, 3]), g.i64([s, s])])
  const perTap = ci >= SMALL_CI
  const parts: string[] = []
  for (let i = 0; i < k; i++) {
    const group = perTap ? Array.from({ length: k }, (_, j) => [j]) : [Array.from({ length: k }, (_, j) => j)]
    for (const js of group) {
      const win = js.length === 1 ? window(i, js[0]!) : g.op1('Concat', js.map((j) => window(i, j)), { axis: 0 }) // [g·Ci, N, oh, ow]
      parts.push(g.op1('MatMul', [g.op1('Reshape', [win, g.i64([js.length * ci, rows])]), dYn])) // [g·Ci, Co]
    }
  }
  const stacked = parts.length === 1 ? parts[0]! : g.op1('Concat', parts, { axis: 0 }) // [k·k·Ci, Co], (i, j, ci)-major
  return g.op1('Transpose', [g.op1('Reshape', [stacked, g.i64([k, k, ci, co])])], { perm: [3, 2, 0, 1] })
}

/**
 * dW of a stride-2 conv with few input channels (the stem), on the input split into its
 * four stride phases: P[ci, e, f, n, a, b] = Xpad[n, ci, 2a + e, 2b + f]. Tap (i, j) =
 * (2u + e, 2v + f) then reads P at [ci, e, f, n, y + u, x + v]: a stride-1 window, copied in
 * runs of ow values instead of gathered one value in two. One MatMul per u takes the
 * windows of every v, e, f side by side ([Mᵤ, N·oh·ow] × dY [N·oh·ow, Co]); a constant
 * Gather puts the k·k·Ci rows back into (ci, i, j) order.
 */
function weightGradPhases(layer: ConvLayer, dY: string, ctx: BackwardContext): string {
  const { g } = ctx
  const x = layer.inputs[0]
  const [n, ci, h, w] = ctx.shapeOf(x) as [number, number, number, number]
  const [, co, oh, ow] = ctx.shapeOf(layer.output) as [number, number, number, number]
  const { kernel: k, pad: p } = layer
  const rows = n * oh * ow
  const hq = Math.ceil((h + 2 * p) / 2)
  const wq = Math.ceil((w + 2 * p) / 2)
  const padded = g.op1('Pad', [x, g.i64([0, 0, p, p, 0, 0, 2 * hq - h - p, 2 * wq - w - p])]) // [N, Ci, 2·Hq, 2·Wq]
  const phases = g.op1('Transpose', [g.op1('Reshape', [padded, g.i64([n, ci, hq, 2, wq, 2])])], { perm: [1, 3, 5, 0, 2, 4] }) // [Ci, 2, 2, N, Hq, Wq]
  const dYn = g.op1('Reshape', [g.op1('Transpose', [dY], { perm: [0, 2, 3, 1] }), g.i64([rows, co])]) // [N·oh·ow, Co]
  const half = Math.ceil(k / 2)
  const parities = (u: number): number => (2 * u + 1 < k ? 2 : 1) // e (or f) in [0, parities)
  const parts: string[] = []
  const sourceRow = new Map<number, number>() // (ci·k + i)·k + j → row of the stacked products
  let row = 0
  for (let u = 0; u < half; u++) {
    const windows: string[] = []
    for (let v = 0; v < half; v++) {
      const ne = parities(u)
      const nf = parities(v)
      const win = g.op1('Slice', [phases, g.i64([0, 0, u, v]), g.i64([ne, nf, u + oh, v + ow]), g.i64([1, 2, 4, 5])]) // [Ci, ne, nf, N, oh, ow]
      windows.push(g.op1('Reshape', [win, g.i64([ci * ne * nf, rows])]))
      for (let c = 0; c < ci; c++) for (let e = 0; e < ne; e++) for (let f = 0; f < nf; f++) sourceRow.set((c * k + 2 * u + e) * k + 2 * v + f, row++)
    }
    parts.push(g.op1('MatMul', [windows.length === 1 ? windows[0]! : g.op1('Concat', windows, { axis: 0 }), dYn])) // [Mᵤ, Co]
  }
  const order = BigInt64Array.from({ length: ci * k * k }, (_, t) => BigInt(sourceRow.get(t)!))
  const stacked = g.op1('Gather', [g.op1('Concat', parts, { axis: 0 }), g.constant('phase_rows', { dtype: 'int64', shape: [order.length], data: order })], { axis: 0 }) // [Ci·k·k, Co]
  return g.op1('Reshape', [g.op1('Transpose', [stacked], { perm: [1, 0] }), g.i64([co, ci, k, k])])
}

function cropTo(g: OnnxGraph, v: string, k: number): string {
  return g.op1('Slice', [v, g.i64([0, 0]), g.i64([k, k]), g.i64([2, 3])])
}
