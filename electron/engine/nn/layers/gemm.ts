import type { GemmLayer } from '../ir'
import type { GradResult, LayerRule } from './rule'

/**
 * Gemm as torch.nn.Linear: y = x·Wᵀ + b with x: [N, F], W: [O, F], b: [O].
 *   dx = dy·W,  dW = dyᵀ·x (Gemm transA),  db = Σ_n dy.
 */
export const gemm: LayerRule<GemmLayer> = {
  forward(layer, { g }) {
    g.op1('Gemm', [layer.inputs[0], layer.weight, layer.bias], { transB: 1 }, layer.output)
    return {}
  },
  backward(layer, dY, { g, wantInputGrads, wantParamGrads }) {
    const result: GradResult = { inputs: [undefined], params: new Map() }
    if (wantInputGrads[0]) result.inputs[0] = g.op1('MatMul', [dY, layer.weight])
    if (wantParamGrads) {
      result.params.set(layer.weight, g.op1('Gemm', [dY, layer.inputs[0]], { transA: 1 }))
      result.params.set(layer.bias, g.op1('ReduceSum', [dY, g.i64([0])], { keepdims: 0 }))
    }
    return result
  }
}
