import type { OnnxGraph } from '../onnx/graph'
import type { GraphOptimizer } from './optimizer'

/**
 * torch.optim.SGD (dampening 0, not Nesterov):
 *   g ← g + wd·p;  buf ← momentum·buf + g;  p ← p − lr·buf
 * The momentum buffer starts at zero, which equals torch's first step (buf = g).
 */
export function sgd(o: { momentum: number; weightDecay: number }): GraphOptimizer {
  return {
    stateNames: (param) => (o.momentum > 0 ? [`momentum.${param}`] : []),
    emitUpdate(g: OnnxGraph, { param, grad, lr }) {
      const out = new Map<string, string>()
      let direction = o.weightDecay > 0 ? g.op1('Add', [grad, g.op1('Mul', [param, g.f32(o.weightDecay)])]) : grad
      if (o.momentum > 0) {
        const buf = `momentum.${param}`
        direction = g.op1('Add', [g.op1('Mul', [buf, g.f32(o.momentum)]), direction])
        out.set(buf, direction)
      }
      out.set(param, g.op1('Sub', [param, g.op1('Mul', [direction, lr])]))
      return out
    }
  }
}
