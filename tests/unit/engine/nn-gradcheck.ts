import * as ort from 'onnxruntime-node'
import { emitBackward, planBackward } from '../../../electron/engine/autodiff/backward'
import { seededRandom } from '../../../electron/engine/models/resnet'
import { emitForward } from '../../../electron/engine/nn/forward'
import { Net, type Shape } from '../../../electron/engine/nn/ir'
import type { GradientOptions } from '../../../electron/engine/nn/layers'
import { OnnxGraph } from '../../../electron/engine/onnx/graph'

/**
 * Central finite differences for one network built in the IR. The scalar checked is
 * L = Σ y · r with a fixed random r (so dL/dy = r); analytic gradients come from the
 * engine's backward graph, numeric ones from (L(v + h) − L(v − h)) / 2h with L summed in
 * float64 on the JS side. Sampled elements per tensor keep it fast.
 */
export interface GradCheckOptions {
  inputShape: Shape
  build: (net: Net, x: string) => void
  /** Input values (default N(0, 1)). */
  input?: Float32Array
  batchStats?: boolean
  /** Per-sample mask (1 real, 0 padding); padded samples also get r = 0. */
  mask?: number[]
  gradient?: Partial<GradientOptions>
  h?: number
  samples?: number
  seed?: number
}

export interface GradCheckResult {
  /** Per tensor ('x' or a parameter name): max |numeric − analytic| / max |analytic|. */
  errors: Map<string, number>
  analytic: Map<string, Float32Array>
  outputs: Record<string, ort.Tensor>
  feeds: Record<string, ort.Tensor>
}

export async function gradCheck(o: GradCheckOptions): Promise<GradCheckResult> {
  const rng = seededRandom(o.seed ?? 1)
  const net = new Net()
  const x = net.input('x', o.inputShape)
  o.build(net, x)
  const g = new OnnxGraph('gradcheck')
  g.input('x', 'float32', o.inputShape)
  const feeds: Record<string, ort.Tensor> = {}
  const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1)
  feeds.x = new ort.Tensor('float32', o.input ?? Float32Array.from({ length: size(o.inputShape) }, () => rng.normal()), o.inputShape)
  for (const p of net.params) {
    g.input(p.name, 'float32', p.shape)
    const positive = p.name.endsWith('running_var') || (p.name.endsWith('.weight') && p.shape.length === 1)
    const data = Float32Array.from({ length: size(p.shape) }, () => (positive ? 0.5 + rng.uniform() : rng.normal() * 0.5))
    feeds[p.name] = new ort.Tensor('float32', data, p.shape)
  }
  const outShape = net.shapeOf(net.outputValue)
  g.input('cotangent', 'float32', outShape)
  const r = Float32Array.from({ length: size(outShape) }, () => rng.normal())
  let mask: string | undefined
  if (o.mask) {
    mask = g.input('mask', 'float32', [o.mask.length, 1, 1, 1])
    feeds.mask = new ort.Tensor('float32', Float32Array.from(o.mask), [o.mask.length, 1, 1, 1])
    const per = r.length / o.mask.length
    o.mask.forEach((m, n) => { if (m === 0) r.fill(0, n * per, (n + 1) * per) })
  }
  feeds.cotangent = new ort.Tensor('float32', r, outShape)

  const trainable = new Set(net.params.filter((p) => p.kind === 'param').map((p) => p.name))
  const plan = planBackward(net, trainable, [x])
  const forward = emitForward(g, net, { batchStats: () => o.batchStats ?? false, willBackprop: () => true, sampleMask: mask, maxPoolGrad: o.gradient?.maxPoolGrad })
  const grads = emitBackward(g, net, forward, { trainable, plan, seed: { value: net.outputValue, grad: 'cotangent' }, sampleMask: mask, gradient: o.gradient })
  g.output(net.outputValue, 'y', 'float32', outShape)
  const checked = new Map<string, string>([['x', grads.inputs.get(x)!], ...grads.params])
  for (const [name, value] of checked) g.output(value, `grad:${name}`, 'float32', name === 'x' ? o.inputShape : feeds[name]!.dims as number[])
  for (const [name, value] of forward.bufferUpdates) g.output(value, `updated:${name}`, 'float32', feeds[name]!.dims as number[])

  const session = await ort.InferenceSession.create(g.toBytes())
  const outputs = await session.run(feeds)
  const loss = async (f: Record<string, ort.Tensor>): Promise<number> => {
    const y = (await session.run(f, ['y'])).y!.data as Float32Array
    let s = 0
    for (let i = 0; i < y.length; i++) s += y[i]! * r[i]!
    return s
  }
  const h = o.h ?? 1e-2
  const errors = new Map<string, number>()
  const analytic = new Map<string, Float32Array>()
  for (const name of checked.keys()) {
    const an = outputs[`grad:${name}`]!.data as Float32Array
    analytic.set(name, an)
    const base = feeds[name]!
    const values = base.data as Float32Array
    const picks = values.length <= (o.samples ?? 16) ? [...values.keys()] : Array.from({ length: o.samples ?? 16 }, () => Math.floor(rng.uniform() * values.length))
    let maxErr = 0
    for (const i of picks) {
      const at = (delta: number) => {
        const copy = Float32Array.from(values)
        copy[i] = values[i]! + delta
        return { ...feeds, [name]: new ort.Tensor('float32', copy, base.dims) }
      }
      const numeric = ((await loss(at(h))) - (await loss(at(-h)))) / (2 * h)
      maxErr = Math.max(maxErr, Math.abs(numeric - an[i]!))
    }
    const scale = Math.max(...an.map(Math.abs))
    errors.set(name, scale === 0 ? maxErr : maxErr / scale)
  }
  return { errors, analytic, outputs, feeds }
}

/** Distinct values (a shuffled ramp) so max-pooling and ReLU have no ties or kinks near ±h. */
export function distinctValues(count: number, seed: number): Float32Array {
  const rng = seededRandom(seed)
  const v = Float32Array.from({ length: count }, (_, i) => (i - count / 2 + 0.5) * 0.05)
  for (let i = count - 1; i > 0; i--) {
    const j = Math.floor(rng.uniform() * (i + 1))
    ;[v[i], v[j]] = [v[j]!, v[i]!]
  }
  return v
}
