import type { OnnxGraph } from '../onnx/graph'
import type { GraphOptimizer } from './optimizer'

/**
 * torch.optim.AdamW (amsgrad off), with `step` the 1-based step count of this update:
 *   p ← p·(1 − lr·wd)
 *   m ← β1·m + (1 − β1)·g;  v ← β2·v + (1 − β2)·g²
 *   p ← p − lr/(1 − β1^step) · m / (√v / √(1 − β2^step) + eps)
 * State names follow torch's: 'exp_avg.<param>', 'exp_avg_sq.<param>'.
 */
export function adamw(o: { betas: [number, number]; eps: number; weightDecay: number }): GraphOptimizer {
  const [b1, b2] = o.betas
  // Per-graph scalars shared by every parameter's update: [1] float32.
  const shared = new WeakMap<OnnxGraph, { stepSize: string; sqrtBc2: string; decay: string }>()
  const scalars = (g: OnnxGraph, lr: string, step: string) => {
    let s = shared.get(g)
    if (!s) {
      const bc1 = g.op1('Sub', [g.f32(1), g.op1('Pow', [g.f32(b1), step])])
      const bc2 = g.op1('Sub', [g.f32(1), g.op1('Pow', [g.f32(b2), step])])
      s = {
        stepSize: g.op1('Div', [lr, bc1]),
        sqrtBc2: g.op1('Sqrt', [bc2]),
        decay: g.op1('Sub', [g.f32(1), g.op1('Mul', [lr, g.f32(o.weightDecay)])])
      }
      shared.set(g, s)
    }
    return s
  }
  return {
    stateNames: (param) => [`exp_avg.${param}`, `exp_avg_sq.${param}`],
    emitUpdate(g, { param, grad, lr, step }) {
      const { stepSize, sqrtBc2, decay } = scalars(g, lr, step)
      const m = `exp_avg.${param}`
      const v = `exp_avg_sq.${param}`
      const m2 = g.op1('Add', [g.op1('Mul', [m, g.f32(b1)]), g.op1('Mul', [grad, g.f32(1 - b1)])])
      const v2 = g.op1('Add', [g.op1('Mul', [v, g.f32(b2)]), g.op1('Mul', [g.op1('Mul', [grad, grad]), g.f32(1 - b2)])])
      const denom = g.op1('Add', [g.op1('Div', [g.op1('Sqrt', [v2]), sqrtBc2]), g.f32(o.eps)])
      const decayed = o.weightDecay > 0 ? g.op1('Mul', [param, decay]) : param
      const p2 = g.op1('Sub', [decayed, g.op1('Mul', [g.op1('Div', [m2, denom]), stepSize])])
      return new Map([[param, p2], [m, m2], [v, v2]])
    }
  }
}
