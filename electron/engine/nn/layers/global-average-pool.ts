import type { GlobalAveragePoolLayer } from '../ir'
import type { LayerRule } from './rule'

/** GlobalAveragePool: [N, C, H, W] → [N, C, 1, 1]; dx = Expand(dy / (H·W)). */
export const globalAveragePool: LayerRule<GlobalAveragePoolLayer> = {
  forward(layer, { g }) {
    g.op1('GlobalAveragePool', [layer.inputs[0]], {}, layer.output)
    return {}
  },
  backward(layer, dY, { g, shapeOf, wantInputGrads }) {
    if (!wantInputGrads[0]) return { inputs: [undefined], params: new Map() }
    const shape = shapeOf(layer.inputs[0])
    const scaled = g.op1('Mul', [dY, g.f32(1 / (shape[2]! * shape[3]!))])
    return { inputs: [g.op1('Expand', [scaled, g.i64(shape)])], params: new Map() }
  }
}
