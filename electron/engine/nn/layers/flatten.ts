import type { FlattenLayer } from '../ir'
import type { LayerRule } from './rule'

/** Flatten (axis 1): [N, C, H, W] → [N, C·H·W]; dx = Reshape(dy) back. */
export const flatten: LayerRule<FlattenLayer> = {
  forward(layer, { g }) {
    g.op1('Flatten', [layer.inputs[0]], { axis: 1 }, layer.output)
    return {}
  },
  backward(layer, dY, { g, shapeOf, wantInputGrads }) {
    if (!wantInputGrads[0]) return { inputs: [undefined], params: new Map() }
    return { inputs: [g.op1('Reshape', [dY, g.i64(shapeOf(layer.inputs[0]))])], params: new Map() }
  }
}
