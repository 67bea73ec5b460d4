import type { OnnxGraph } from '../onnx/graph'
import { layerParams, type Layer, type Net } from '../nn/ir'
import type { ForwardResult } from '../nn/forward'
import { DEFAULT_GRADIENT_OPTIONS, ruleFor, type GradientOptions } from '../nn/layers'

/**
 * Reverse-mode differentiation over the layer IR. A value needs a gradient only when a
 * trainable parameter lies upstream of it, so a frozen prefix of the network (the stem,
 * or the whole backbone for head-only training) emits no backward nodes at all.
 */

export interface BackwardPlan {
  /** Values whose gradient is needed. */
  needsGrad: Set<string>
  /** Layers whose gradient rule is emitted. */
  layers: Set<string>
}

/**
 * Which values and layers take part in the backward pass for these trainable parameters
 * (and, when `wrt` names network inputs, for the gradient with respect to those inputs).
 */
export function planBackward(net: Net, trainable: ReadonlySet<string>, wrt: readonly string[] = []): BackwardPlan {
  const needsGrad = new Set<string>(wrt)
  const layers = new Set<string>()
  for (const layer of net.layers) {
    const hasTrainable = layerParams(layer).some((p) => trainable.has(p))
    if (hasTrainable || layer.inputs.some((i) => needsGrad.has(i))) {
      needsGrad.add(layer.output)
      layers.add(layer.name)
    }
  }
  return { needsGrad, layers }
}

export interface BackwardOptions {
  trainable: ReadonlySet<string>
  plan: BackwardPlan
  /** The gradient of the loss with respect to `seed.value` (e.g. the logits). */
  seed: { value: string; grad: string }
  sampleMask?: string
  gradient?: Partial<GradientOptions>
}

export interface BackwardResult {
  /** Parameter name → gradient, for every trainable parameter that reaches the loss. */
  params: Map<string, string>
  /** Network input → gradient, for the inputs the plan was made `wrt`. */
  inputs: Map<string, string>
}

/** Emit the backward pass. */
export function emitBackward(g: OnnxGraph, net: Net, forward: ForwardResult, o: BackwardOptions): BackwardResult {
  const options = { ...DEFAULT_GRADIENT_OPTIONS, ...o.gradient }
  // Gradient contributions per value; several when a value fans out (residual branches).
  const pending = new Map<string, string[]>([[o.seed.value, [o.seed.grad]]])
  const paramGrads = new Map<string, string>()
  for (let li = net.layers.length - 1; li >= 0; li--) {
    const layer: Layer = net.layers[li]!
    if (!o.plan.layers.has(layer.name)) continue
    const contributions = pending.get(layer.output)
    if (!contributions) continue // the layer does not reach the loss
    const dY = g.inScope(`bwd/${layer.name}`, () => addAll(g, contributions))
    const wantParamGrads = layerParams(layer).some((p) => o.trainable.has(p))
    const result = g.inScope(`bwd/${layer.name}`, () => ruleFor(layer).backward(layer, dY, {
      g,
      shapeOf: (v) => net.shapeOf(v),
      saved: forward.saved.get(layer.name) ?? {},
      wantInputGrads: layer.inputs.map((i) => o.plan.needsGrad.has(i)),
      wantParamGrads,
      sampleMask: o.sampleMask,
      options
    }))
    for (const [name, grad] of result.params) if (o.trainable.has(name)) paramGrads.set(name, grad)
    layer.inputs.forEach((input, k) => {
      const grad = result.inputs[k]
      if (grad === undefined) return
      const list = pending.get(input)
      if (list) list.push(grad)
      else pending.set(input, [grad])
    })
  }
  const inputs = new Map<string, string>()
  const input = pending.get(net.inputValue)
  if (input) inputs.set(net.inputValue, addAll(g, input))
  return { params: paramGrads, inputs }
}

/**
 * The sum of a value's gradient contributions, as a chain of Adds: onnxruntime's WebGPU
 * provider has no Sum kernel (those nodes would fall back to CPU and copy every residual
 * gradient off the GPU), and for the usual two contributions Add is the same kernel on CPU.
 */
function addAll(g: OnnxGraph, values: string[]): string {
  let total = values[0]!
  for (const v of values.slice(1)) total = g.op1('Add', [total, v])
  return total
}
