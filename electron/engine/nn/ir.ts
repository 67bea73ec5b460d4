/**
 * The layer-level IR: a network as a list of layers in topological order, each reading
 * and writing named values with static shapes ([N, C, H, W] for maps, [N, F] for vectors).
 * A model (models/resnet.ts) is written once against this IR; nn/forward.ts lowers it to
 * ONNX nodes for inference or training, and autodiff/backward.ts walks it in reverse,
 * calling the gradient rule that sits next to each layer's forward in nn/layers/.
 */

export type Shape = number[]

export interface ConvLayer {
  op: 'Conv'
  name: string // torchvision module path, e.g. 'layer1.0.conv1'
  inputs: [string]
  output: string
  weight: string // [Co, Ci, k, k]
  bias?: string // [Co]
  kernel: number
  stride: number
  pad: number
}

export interface BatchNormLayer {
  op: 'BatchNormalization'
  name: string
  inputs: [string]
  output: string
  weight: string // gamma [C]
  bias: string // beta [C]
  runningMean: string // [C]
  runningVar: string // [C]
  eps: number
  momentum: number // torch convention: running = (1 − momentum)·running + momentum·batch
}

export interface ReluLayer { op: 'Relu'; name: string; inputs: [string]; output: string }
export interface MaxPoolLayer { op: 'MaxPool'; name: string; inputs: [string]; output: string; kernel: number; stride: number; pad: number }
export interface AddLayer { op: 'Add'; name: string; inputs: [string, string]; output: string }
export interface GlobalAveragePoolLayer { op: 'GlobalAveragePool'; name: string; inputs: [string]; output: string }
export interface FlattenLayer { op: 'Flatten'; name: string; inputs: [string]; output: string }
export interface GemmLayer {
  op: 'Gemm' // y = x·Wᵀ + b, as torch.nn.Linear
  name: string
  inputs: [string]
  output: string
  weight: string // [O, F]
  bias: string // [O]
}

export type Layer = ConvLayer | BatchNormLayer | ReluLayer | MaxPoolLayer | AddLayer | GlobalAveragePoolLayer | FlattenLayer | GemmLayer
export type LayerOp = Layer['op']

/** A parameter ('param', trained) or a buffer ('buffer', BN running statistics). */
export interface ParamSpec { name: string; shape: Shape; kind: 'param' | 'buffer'; layer: string }

export class IrError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'IrError'
  }
}

/** Builder and container for a network in the IR. */
export class Net {
  readonly values = new Map<string, Shape>()
  readonly layers: Layer[] = []
  /** Parameters and buffers in torchvision state_dict order. */
  readonly params: ParamSpec[] = []
  /** Named taps on intermediate values ('layer2' → value), exposed as optional outputs. */
  readonly marks = new Map<string, string>()
  private inputName: string | undefined

  /** The network input, e.g. images [N, 3, H, W]. */
  input(name: string, shape: Shape): string {
    this.inputName = name
    this.values.set(name, shape)
    return name
  }

  get inputValue(): string {
    if (!this.inputName) throw new IrError('The network has no input; call input() first.')
    return this.inputName
  }

  /** The last layer's output (the logits for a classifier). */
  get outputValue(): string {
    const last = this.layers[this.layers.length - 1]
    if (!last) throw new IrError('The network has no layers.')
    return last.output
  }

  shapeOf(value: string): Shape {
    const s = this.values.get(value)
    if (!s) throw new IrError(`Unknown value "${value}".`)
    return s
  }

  mark(tag: string, value: string): void {
    this.marks.set(tag, value)
  }

  private add<L extends Layer>(layer: L, shape: Shape): string {
    if (this.values.has(layer.output)) throw new IrError(`Value "${layer.output}" is produced twice.`)
    this.values.set(layer.output, shape)
    this.layers.push(layer)
    return layer.output
  }

  private param(name: string, shape: Shape, kind: ParamSpec['kind'], layer: string): string {
    this.params.push({ name, shape, kind, layer })
    return name
  }

  /** torch.nn.Conv2d (square kernel, groups 1). */
  conv(x: string, name: string, o: { outChannels: number; kernel: number; stride?: number; pad?: number; bias?: boolean }): string {
    const [n, c, h, w] = this.shapeOf(x) as [number, number, number, number]
    const stride = o.stride ?? 1
    const pad = o.pad ?? 0
    const oh = Math.floor((h + 2 * pad - o.kernel) / stride) + 1
    const ow = Math.floor((w + 2 * pad - o.kernel) / stride) + 1
    if (oh < 1 || ow < 1) throw new IrError(`${name}: a ${h}x${w} input is too small for kernel ${o.kernel} stride ${stride}; use a larger image size.`)
    const weight = this.param(`${name}.weight`, [o.outChannels, c, o.kernel, o.kernel], 'param', name)
    const bias = o.bias ? this.param(`${name}.bias`, [o.outChannels], 'param', name) : undefined
    return this.add({ op: 'Conv', name, inputs: [x], output: name, weight, bias, kernel: o.kernel, stride, pad }, [n, o.outChannels, oh, ow])
  }

  /** torch.nn.BatchNorm2d (eps 1e-5, momentum 0.1 by default). */
  batchNorm(x: string, name: string, o: { eps?: number; momentum?: number } = {}): string {
    const shape = this.shapeOf(x)
    const c = shape[1]!
    const weight = this.param(`${name}.weight`, [c], 'param', name)
    const bias = this.param(`${name}.bias`, [c], 'param', name)
    const runningMean = this.param(`${name}.running_mean`, [c], 'buffer', name)
    const runningVar = this.param(`${name}.running_var`, [c], 'buffer', name)
    return this.add(
      { op: 'BatchNormalization', name, inputs: [x], output: name, weight, bias, runningMean, runningVar, eps: o.eps ?? 1e-5, momentum: o.momentum ?? 0.1 },
      [...shape]
    )
  }

  relu(x: string, name: string): string {
    return this.add({ op: 'Relu', name, inputs: [x], output: name }, [...this.shapeOf(x)])
  }

  maxPool(x: string, name: string, o: { kernel: number; stride: number; pad: number }): string {
    const [n, c, h, w] = this.shapeOf(x) as [number, number, number, number]
    const oh = Math.floor((h + 2 * o.pad - o.kernel) / o.stride) + 1
    const ow = Math.floor((w + 2 * o.pad - o.kernel) / o.stride) + 1
    return this.add({ op: 'MaxPool', name, inputs: [x], output: name, ...o }, [n, c, oh, ow])
  }

  add2(a: string, b: string, name: string): string {
    const sa = this.shapeOf(a)
    const sb = this.shapeOf(b)
    if (sa.join() !== sb.join()) throw new IrError(`${name}: cannot add [${sa.join(', ')}] and [${sb.join(', ')}].`)
    return this.add({ op: 'Add', name, inputs: [a, b], output: name }, [...sa])
  }

  globalAveragePool(x: string, name: string): string {
    const [n, c] = this.shapeOf(x) as [number, number]
    return this.add({ op: 'GlobalAveragePool', name, inputs: [x], output: name }, [n, c, 1, 1])
  }

  flatten(x: string, name: string): string {
    const s = this.shapeOf(x)
    return this.add({ op: 'Flatten', name, inputs: [x], output: name }, [s[0]!, s.slice(1).reduce((a, b) => a * b, 1)])
  }

  /** torch.nn.Linear. */
  gemm(x: string, name: string, o: { outFeatures: number }): string {
    const [n, f] = this.shapeOf(x) as [number, number]
    const weight = this.param(`${name}.weight`, [o.outFeatures, f], 'param', name)
    const bias = this.param(`${name}.bias`, [o.outFeatures], 'param', name)
    return this.add({ op: 'Gemm', name, inputs: [x], output: name, weight, bias }, [n, o.outFeatures])
  }
}

/** Names of a layer's trainable parameters (not BN running statistics). */
export function layerParams(layer: Layer): string[] {
  switch (layer.op) {
    case 'Conv':
      return layer.bias ? [layer.weight, layer.bias] : [layer.weight]
    case 'BatchNormalization':
    case 'Gemm':
      return [layer.weight, layer.bias]
    default:
      return []
  }
}
