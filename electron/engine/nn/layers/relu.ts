import type { ReluLayer } from '../ir'
import type { LayerRule } from './rule'

/** Relu. dx = Where(y > 0, dy, 0) (torch's convention: the gradient at 0 is 0). */
export const relu: LayerRule<ReluLayer> = {
  forward(layer, { g }) {
    g.op1('Relu', [layer.inputs[0]], {}, layer.output)
    return {}
  },
  backward(layer, dY, { g, wantInputGrads }) {
    if (!wantInputGrads[0]) return { inputs: [undefined], params: new Map() }
    const positive = g.op1('Greater', [layer.output, g.f32(0)])
    return { inputs: [g.op1('Where', [positive, dY, g.f32(0)])], params: new Map() }
  }
}
