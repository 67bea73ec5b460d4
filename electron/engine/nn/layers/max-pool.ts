import { tensorAttr } from '../../onnx/graph'
import type { MaxPoolLayer } from '../ir'
import type { LayerRule } from './rule'

/**
 * MaxPool. When its backward is needed the forward also returns `Indices` (flat over
 * N·C·H·W, storage_order 0); dx scatters dy back to the argmax positions with
 * ScatterElements(reduction = 'add', opset ≥ 16) so overlapping windows that share a
 * maximum add up, as torch does.
 */
export const maxPool: LayerRule<MaxPoolLayer> = {
  forward(layer, { g, willBackprop }) {
    const { kernel: k, stride: s, pad: p } = layer
    const attrs = { kernel_shape: [k, k], strides: [s, s], pads: [p, p, p, p] }
    if (!willBackprop) {
      g.op1('MaxPool', [layer.inputs[0]], attrs, layer.output)
      return {}
    }
    const indices = g.fresh(`${layer.name}.indices`)
    g.op('MaxPool', [layer.inputs[0]], attrs, [layer.output, indices])
    return { indices }
  },
  backward(layer, dY, { g, saved, shapeOf, wantInputGrads }) {
    if (!wantInputGrads[0]) return { inputs: [undefined], params: new Map() }
    const inShape = shapeOf(layer.inputs[0])
    const total = inShape.reduce((a, b) => a * b, 1)
    const zeros = g.op1('ConstantOfShape', [g.i64([total])], { value: tensorAttr({ dtype: 'float32', shape: [1], data: new Float32Array(1) }) })
    const flat = g.i64([-1])
    const scattered = g.op1('ScatterElements', [zeros, g.op1('Reshape', [saved.indices!, flat]), g.op1('Reshape', [dY, flat])], { axis: 0, reduction: 'add' })
    return { inputs: [g.op1('Reshape', [scattered, g.i64(inShape)])], params: new Map() }
  }
}
