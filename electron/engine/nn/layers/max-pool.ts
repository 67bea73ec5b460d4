import type { OnnxGraph } from '../../onnx/graph'
import type { MaxPoolLayer } from '../ir'
import type { LayerRule } from './rule'

/**
 * MaxPool. Two backward forms (GradientOptions.maxPoolGrad), the same gradient:
 * - 'indices' (CPU default): the forward also returns `Indices` (flat over N·C·H·W,
 *   storage_order 0; kept as int32); dx scatters dy back to the argmax positions with
 *   ScatterElements(reduction = 'add', opset ≥ 16) so overlapping windows that share a
 *   maximum add up, as torch does.
 * - 'window-mask' (GPU providers): the forward is a plain MaxPool; the backward finds each
 *   window's maximum again from the input and the pooled output (windowMaskGrad).
 */
export const maxPool: LayerRule<MaxPoolLayer> = {
  forward(layer, { g, shapeOf, willBackprop, maxPoolGrad }) {
    const { kernel: k, stride: s, pad: p } = layer
    const attrs = { kernel_shape: [k, k], strides: [s, s], pads: [p, p, p, p] }
    if (!willBackprop || maxPoolGrad === 'window-mask') {
      g.op1('MaxPool', [layer.inputs[0]], attrs, layer.output)
      return {}
    }
    const indices = g.fresh(`${layer.name}.indices`)
    g.op('MaxPool', [layer.inputs[0]], attrs, [layer.output, indices])
    // Kept until the backward as int32 (half the bytes: 25 instead of 49 MB for ResNet's stem
    // at 224 px, batch 32); flat offsets fit while the input has fewer than 2³¹ elements.
    const total = shapeOf(layer.inputs[0]).reduce((a, b) => a * b, 1)
    return { indices: total < 2 ** 31 ? g.op1('Cast', [indices], { to: 6 }) : indices }
  },
  backward(layer, dY, { g, saved, shapeOf, wantInputGrads, options }) {
    if (!wantInputGrads[0]) return { inputs: [undefined], params: new Map() }
    const inShape = shapeOf(layer.inputs[0])
    if (options.maxPoolGrad === 'window-mask' || saved.indices === undefined) {
      return { inputs: [windowMaskGrad(g, layer, dY, inShape, shapeOf(layer.output))], params: new Map() }
    }
    const flat = g.i64([-1])
    // Zeros of the input's size made from the input (x − x: +0 wherever x is finite, and a
    // non-finite input has already made the loss non-finite), not a ConstantOfShape:
    // onnxruntime folds a constant one when the session is created and keeps it for the
    // session's life (98 MB for ResNet's stem at 224 px, batch 32;
    // tests/unit/engine/step-folded-constants.test.ts).
    const x = layer.inputs[0]
    const zeros = g.op1('Reshape', [g.op1('Sub', [x, x]), flat])
    const scattered = g.op1('ScatterElements', [zeros, g.op1('Reshape', [saved.indices!, flat]), g.op1('Reshape', [dY, flat])], { axis: 0, reduction: 'add' })
    return { inputs: [g.op1('Reshape', [scattered, g.i64(inShape)])], params: new Map() }
  }
}

/**
 * dx of MaxPool without Indices. For kernel tap t = (i, j) the strided slice
 * x_pad[:, :, i::s, j::s] (x padded with the lowest float, [N, C, oh, ow]) holds the input
 * each window sees at that tap; where it equals the pooled output y and no earlier tap did,
 * the tap takes dy (torch and onnxruntime both route a tie to the first maximum in the
 * window's row-major order). The k² routed gradients, stacked as channels
 * [N·C, k², oh, ow], go back to their pixels through one ConvTranspose whose kernel t is
 * one-hot at tap t (stride s, pads p): overlapping windows add up as in the scatter form.
 */
function windowMaskGrad(g: OnnxGraph, layer: MaxPoolLayer, dY: string, inShape: number[], outShape: number[]): string {
  const { kernel: k, stride: s, pad: p } = layer
  const [n, c, h, w] = inShape as [number, number, number, number]
  const [, , oh, ow] = outShape as [number, number, number, number]
  const x = layer.inputs[0]
  const y = layer.output
  const padded = p > 0 ? g.op1('Pad', [x, g.i64([0, 0, p, p, 0, 0, p, p]), g.f32(-3.4e38)], { mode: 'constant' }) : x
  const routed: string[] = []
  let taken: string | undefined // [N, C, oh, ow] float 0/1: an earlier tap already took dy
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      const tap = g.op1('Slice', [padded, g.i64([i, j]), g.i64([i + s * (oh - 1) + 1, j + s * (ow - 1) + 1]), g.i64([2, 3]), g.i64([s, s])])
      const equal = g.op1('Cast', [g.op1('Equal', [tap, y])], { to: 1 })
      const first = taken === undefined ? equal : g.op1('Mul', [equal, g.op1('Sub', [g.f32(1), taken])])
      taken = taken === undefined ? first : g.op1('Add', [taken, first])
      routed.push(g.op1('Unsqueeze', [g.op1('Mul', [dY, first]), g.i64([2])]))
    }
  }
  const stacked = g.op1('Reshape', [g.op1('Concat', routed, { axis: 2 }), g.i64([n * c, k * k, oh, ow])]) // [N·C, k², oh, ow]
  const oneHot = new Float32Array(k * k * k * k) // [k², 1, k, k]: kernel t is 1 at tap t
  for (let t = 0; t < k * k; t++) oneHot[t * k * k + t] = 1
  const kernel = g.constant('maxpool_taps', { dtype: 'float32', shape: [k * k, 1, k, k], data: oneHot })
  const outputPadding = [h - (s * (oh - 1) + k - 2 * p), w - (s * (ow - 1) + k - 2 * p)]
  const dx = g.op1('ConvTranspose', [stacked, kernel], { kernel_shape: [k, k], strides: [s, s], pads: [p, p, p, p], output_padding: outputPadding })
  return g.op1('Reshape', [dx, g.i64([n, c, h, w])])
}
