import type { AddLayer } from '../ir'
import type { LayerRule } from './rule'

/** Residual Add: dy flows unchanged to both inputs (fan-out sums happen in the autodiff). */
export const add: LayerRule<AddLayer> = {
  forward(layer, { g }) {
    g.op1('Add', layer.inputs, {}, layer.output)
    return {}
  },
  backward(_layer, dY, { wantInputGrads }) {
    return { inputs: wantInputGrads.map((w) => (w ? dY : undefined)), params: new Map() }
  }
}
