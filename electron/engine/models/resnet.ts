import { OnnxGraph, type Dim } from '../onnx/graph'
import { emitForward } from '../nn/forward'
import { Net } from '../nn/ir'
import type { TensorMap } from '../tensor'
import { elementCount } from '../tensor'

/**
 * ResNet18 with torchvision's architecture and parameter names
 * (torchvision/models/resnet.py: ResNet(BasicBlock, [2, 2, 2, 2])). `width` scales every
 * channel count (stage widths round(64·width)·{1, 2, 4, 8}); 1 is torchvision's model,
 * smaller widths make fast test models. Value names in the graph follow the module names.
 */

export interface ResnetOptions {
  numClasses: number
  /** Channel multiplier; 1 = torchvision's resnet18. */
  width?: number
  /**
   * Channels of the input image: 3 (RGB, torchvision's model, the default) or 1 (one grey
   * plane: conv1 reads a single channel; the auto recipe's choice for all-grey projects,
   * docs/accuracy.md "The one-channel stem").
   */
  inputChannels?: InputChannels
}

/** Image channels a model reads: 3 (RGB, ImageNet-normalised) or 1 (grey, imaging/preprocess.ts GREY_MEAN/GREY_STD). */
export type InputChannels = 1 | 3

/** The input channels weights were made for: conv1.weight [out, in, 7, 7]'s `in` (1 or 3; anything else is refused by the shape checks). */
export function inputChannelsOf(weights: TensorMap): InputChannels {
  return weights.get('conv1.weight')?.shape[1] === 1 ? 1 : 3
}

export class ResnetOptionsError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ResnetOptionsError'
  }
}

export class ResnetWeightsError extends Error {
  constructor(message: string) {
    super(`${message} Load weights made for this architecture (torchvision resnet18 names, same width and class count).`)
    this.name = 'ResnetWeightsError'
  }
}

/** Base channel count (torchvision: 64). */
export function resnetBaseChannels(width = 1): number {
  if (!(width > 0)) throw new ResnetOptionsError(`Width multiplier must be positive, got ${width}.`)
  return Math.max(1, Math.round(64 * width))
}

/** Build the network in the layer IR for input [batch, inputChannels (3), height, widthPx]. */
export function resnet18Net(o: ResnetOptions & { batch: number; height: number; widthPx?: number; inputName?: string }): Net {
  if (!Number.isInteger(o.numClasses) || o.numClasses < 1) throw new ResnetOptionsError(`numClasses must be a positive integer, got ${o.numClasses}.`)
  const widthPx = o.widthPx ?? o.height
  if (o.height < 32 || widthPx < 32) throw new ResnetOptionsError(`ResNet18 needs images of at least 32x32 pixels (it downsamples 32x), got ${widthPx}x${o.height}.`)
  const net = new Net()
  if (o.inputChannels !== undefined && o.inputChannels !== 1 && o.inputChannels !== 3) throw new ResnetOptionsError(`inputChannels must be 1 or 3, got ${String(o.inputChannels)}.`)
  const base = resnetBaseChannels(o.width)
  let x = net.input(o.inputName ?? 'input', [o.batch, o.inputChannels ?? 3, o.height, widthPx])
  x = net.conv(x, 'conv1', { outChannels: base, kernel: 7, stride: 2, pad: 3 })
  x = net.batchNorm(x, 'bn1')
  x = net.relu(x, 'relu')
  x = net.maxPool(x, 'maxpool', { kernel: 3, stride: 2, pad: 1 })
  let inChannels = base
  for (let stage = 1; stage <= 4; stage++) {
    const channels = base * 2 ** (stage - 1)
    for (let block = 0; block < 2; block++) {
      const stride = stage > 1 && block === 0 ? 2 : 1
      x = basicBlock(net, x, `layer${stage}.${block}`, inChannels, channels, stride)
      inChannels = channels
    }
    net.mark(`layer${stage}`, x)
  }
  x = net.globalAveragePool(x, 'avgpool')
  x = net.flatten(x, 'flatten')
  net.gemm(x, 'fc', { outFeatures: o.numClasses })
  return net
}

/** torchvision BasicBlock: relu(bn2(conv2(relu(bn1(conv1(x))))) + downsample(x)). */
function basicBlock(net: Net, x: string, name: string, inChannels: number, channels: number, stride: number): string {
  let y = net.conv(x, `${name}.conv1`, { outChannels: channels, kernel: 3, stride, pad: 1 })
  y = net.batchNorm(y, `${name}.bn1`)
  y = net.relu(y, `${name}.relu1`)
  y = net.conv(y, `${name}.conv2`, { outChannels: channels, kernel: 3, stride: 1, pad: 1 })
  y = net.batchNorm(y, `${name}.bn2`)
  let identity = x
  if (stride !== 1 || inChannels !== channels) {
    identity = net.conv(x, `${name}.downsample.0`, { outChannels: channels, kernel: 1, stride })
    identity = net.batchNorm(identity, `${name}.downsample.1`)
  }
  return net.relu(net.add2(y, identity, `${name}.add`), `${name}.relu2`)
}

/**
 * Parameters and BN running statistics in torchvision's state_dict order. BN's
 * `num_batches_tracked` is not listed: it only matters for momentum=None, and loaders ignore it.
 */
export function resnet18ParamShapes(opts: ResnetOptions): Array<{ name: string; shape: number[] }> {
  return resnet18Net({ ...opts, batch: 1, height: 32 }).params.map(({ name, shape }) => ({ name, shape: [...shape] }))
}

/**
 * torchvision's initialisation (ResNet.__init__): convs kaiming_normal_(mode='fan_out',
 * nonlinearity='relu'); BN weight 1, bias 0, running mean 0, var 1; fc as nn.Linear's
 * default, U(−1/√fan_in, 1/√fan_in) for weight and bias. Deterministic for a seed.
 */
export function initResnet18Weights(opts: ResnetOptions & { seed: number }): TensorMap {
  const rng = seededRandom(opts.seed)
  const weights: TensorMap = new Map()
  const specs = resnet18ParamShapes(opts)
  const fcFanIn = specs.find((p) => p.name === 'fc.weight')!.shape[1]!
  for (const { name, shape } of specs) {
    const data = new Float32Array(elementCount(shape))
    if (name.startsWith('fc.')) {
      const bound = 1 / Math.sqrt(fcFanIn)
      for (let i = 0; i < data.length; i++) data[i] = (rng.uniform() * 2 - 1) * bound
    } else if (shape.length === 4) {
      const std = Math.sqrt(2 / (shape[0]! * shape[2]! * shape[3]!))
      for (let i = 0; i < data.length; i++) data[i] = rng.normal() * std
    } else if (name.endsWith('.weight') || name.endsWith('.running_var')) {
      data.fill(1)
    } // BN bias and running_mean stay 0
    weights.set(name, { shape, data })
  }
  return weights
}

/** Check that `weights` holds every parameter with the right shape; returns the specs. */
export function checkResnetWeights(opts: ResnetOptions, weights: TensorMap): Array<{ name: string; shape: number[] }> {
  const specs = resnet18ParamShapes(opts)
  for (const { name, shape } of specs) {
    const t = weights.get(name)
    if (!t) throw new ResnetWeightsError(`Weight "${name}" is missing.`)
    if (t.shape.join() !== shape.join()) throw new ResnetWeightsError(`Weight "${name}" has shape [${t.shape.join(', ')}], expected [${shape.join(', ')}].`)
    if (t.data.length !== elementCount(shape)) throw new ResnetWeightsError(`Weight "${name}" has ${t.data.length} values for shape [${shape.join(', ')}].`)
  }
  return specs
}

export interface ResnetInferenceOptions extends ResnetOptions {
  /** Input height in pixels. */
  height: number
  /** Input width in pixels (defaults to height). */
  width_px?: number
  batch: number | 'dynamic'
  weights: TensorMap
  outputs?: { probabilities?: boolean; layer2?: boolean; layer3?: boolean; layer4?: boolean }
}

/**
 * An inference model with the weights baked in as initializers (so ORT can fuse Conv+BN and
 * prepack weights). Input 'input' [N, 3, H, W] float32, ImageNet-normalised ([N, 1, H, W],
 * grey-normalised, when the weights' conv1 reads one channel); outputs
 * 'logits' [N, C] and optionally 'probabilities' [N, C] (softmax), 'layer2'/'layer3'/'layer4'
 * feature maps [N, 128w, H/8, W/8] / [N, 256w, H/16, W/16] / [N, 512w, H/32, W/32].
 */
export function buildResnet18Inference(opts: ResnetInferenceOptions): Uint8Array {
  const batch = opts.batch === 'dynamic' ? 1 : opts.batch
  const n: Dim = opts.batch === 'dynamic' ? 'N' : opts.batch
  const inputChannels = opts.inputChannels ?? inputChannelsOf(opts.weights)
  const net = resnet18Net({ numClasses: opts.numClasses, width: opts.width, inputChannels, batch, height: opts.height, widthPx: opts.width_px })
  const specs = checkResnetWeights({ ...opts, inputChannels }, opts.weights)
  const g = new OnnxGraph('resnet18')
  const [, , h, w] = net.shapeOf(net.inputValue)
  g.input(net.inputValue, 'float32', [n, inputChannels, h!, w!])
  for (const { name, shape } of specs) g.initializer(name, { dtype: 'float32', shape, data: opts.weights.get(name)!.data })
  emitForward(g, net)
  g.output(net.outputValue, 'logits', 'float32', [n, opts.numClasses])
  if (opts.outputs?.probabilities) g.output(g.op1('Softmax', [net.outputValue], { axis: 1 }), 'probabilities', 'float32', [n, opts.numClasses])
  for (const tag of ['layer2', 'layer3', 'layer4'] as const) {
    if (!opts.outputs?.[tag]) continue
    const value = net.marks.get(tag)!
    g.output(value, tag, 'float32', [n, ...net.shapeOf(value).slice(1)])
  }
  return g.toBytes({ doc: `torchvision resnet18, width ${opts.width ?? 1}, ${opts.numClasses} classes${inputChannels === 1 ? ', 1 input channel' : ''}` })
}

/** mulberry32 with Box–Muller normals: small, fast and deterministic across platforms. */
export function seededRandom(seed: number): { uniform(): number; normal(): number } {
  let a = seed >>> 0
  let spare: number | undefined
  const uniform = (): number => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const normal = (): number => {
    if (spare !== undefined) {
      const s = spare
      spare = undefined
      return s
    }
    let u = 0
    while (u === 0) u = uniform()
    const v = uniform()
    const r = Math.sqrt(-2 * Math.log(u))
    spare = r * Math.sin(2 * Math.PI * v)
    return r * Math.cos(2 * Math.PI * v)
  }
  return { uniform, normal }
}
