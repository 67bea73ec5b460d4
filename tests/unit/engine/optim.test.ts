import * as ort from 'onnxruntime-node'
import { describe, expect, it } from 'vitest'
import { seededRandom } from '../../../electron/engine/models/resnet'
import { OnnxGraph } from '../../../electron/engine/onnx/graph'
import { adamw, sgd, type GraphOptimizer } from '../../../electron/engine/optim'

/** Run an in-graph optimizer for a few steps on one [2, 3] parameter, lr changing every step. */
async function runSteps(opt: GraphOptimizer, grads: number[][], lrs: number[], p0: number[]) {
  const g = new OnnxGraph('opt')
  const shape = [2, 3]
  g.input('w', 'float32', shape)
  const grad = g.input('g', 'float32', shape)
  const lr = g.input('lr', 'float32', [1])
  const step = g.input('step', 'float32', [1])
  for (const s of opt.stateNames('w')) g.input(s, 'float32', shape)
  for (const [name, value] of opt.emitUpdate(g, { param: 'w', grad, lr, step })) g.output(value, `new.${name}`, 'float32', shape)
  const session = await ort.InferenceSession.create(g.toBytes())
  const t = (v: ArrayLike<number>, s = shape) => new ort.Tensor('float32', Float32Array.from(v), s)
  let state: Record<string, ort.Tensor> = { w: t(p0) }
  for (const s of opt.stateNames('w')) state[s] = t(new Array(6).fill(0))
  for (let k = 0; k < grads.length; k++) {
    const out = await session.run({ ...state, g: t(grads[k]!), lr: t([lrs[k]!], [1]), step: t([k + 1], [1]) })
    state = Object.fromEntries(Object.entries(out).map(([name, v]) => [name.slice(4), v]))
  }
  return Array.from(state.w!.data as Float32Array)
}

const rng = seededRandom(5)
const p0 = Array.from({ length: 6 }, () => rng.normal())
const grads = Array.from({ length: 3 }, () => Array.from({ length: 6 }, () => rng.normal()))
const lrs = [0.1, 0.05, 0.01] // a schedule: lr is an input, the session is never rebuilt

describe('in-graph optimizers follow torch.optim', () => {
  it('SGD with momentum and weight decay', async () => {
    const ours = await runSteps(sgd({ momentum: 0.9, weightDecay: 1e-2 }), grads, lrs, p0)
    const p = [...p0]
    const buf = new Array(6).fill(0)
    grads.forEach((gr, k) => {
      for (let i = 0; i < 6; i++) {
        const d = gr[i]! + 1e-2 * p[i]!
        buf[i] = k === 0 ? d : 0.9 * buf[i] + d
        p[i] = p[i]! - lrs[k]! * buf[i]
      }
    })
    ours.forEach((v, i) => expect(v).toBeCloseTo(p[i]!, 5))
  })

  it('plain SGD has no state', async () => {
    const opt = sgd({ momentum: 0, weightDecay: 0 })
    expect(opt.stateNames('w')).toEqual([])
    const ours = await runSteps(opt, grads.slice(0, 1), [0.5], p0)
    ours.forEach((v, i) => expect(v).toBeCloseTo(p0[i]! - 0.5 * grads[0]![i]!, 5))
  })

  it('AdamW with bias correction and decoupled weight decay', async () => {
    const [b1, b2, eps, wd] = [0.9, 0.999, 1e-8, 0.1]
    const ours = await runSteps(adamw({ betas: [b1, b2], eps, weightDecay: wd }), grads, lrs, p0)
    const p = [...p0]
    const m = new Array(6).fill(0)
    const v = new Array(6).fill(0)
    grads.forEach((gr, k) => {
      const t = k + 1
      for (let i = 0; i < 6; i++) {
        p[i] = p[i]! * (1 - lrs[k]! * wd)
        m[i] = b1 * m[i] + (1 - b1) * gr[i]!
        v[i] = b2 * v[i] + (1 - b2) * gr[i]! ** 2
        const denom = Math.sqrt(v[i]) / Math.sqrt(1 - b2 ** t) + eps
        p[i] = p[i]! - (lrs[k]! / (1 - b1 ** t)) * (m[i] / denom)
      }
    })
    ours.forEach((val, i) => expect(val).toBeCloseTo(p[i]!, 5))
  })
})
