import type { OnnxGraph } from '../onnx/graph'
import type { BatchNormLayer, ConvLayer, Layer, Net } from './ir'
import { ruleFor } from './layers'
import { emitFoldedConvBn } from './layers/conv-bn-fold'
import type { GradientOptions, Saved } from './layers/rule'

export interface ForwardOptions {
  /** BatchNormalization layers that use batch statistics (default: none, i.e. eval mode). */
  batchStats?: (layer: Layer) => boolean
  /** Layers whose backward will be emitted (they keep extra outputs such as MaxPool indices). */
  willBackprop?: (layer: Layer) => boolean
  /** [N, 1, 1, 1] float32 mask of real samples (1) vs batch padding (0), for batch statistics. */
  sampleMask?: string
  /**
   * Fold frozen Conv → eval-mode BN pairs without a backward into one Conv (training graphs,
   * where weights are inputs and ORT cannot fold them itself).
   */
  foldFrozenConvBn?: boolean
  /** NCHWc block for convs (see GradientOptions.nchwcBlock); CPU provider only. */
  nchwcBlock?: number
  /** See GradientOptions.maxPoolGrad (default 'indices'). */
  maxPoolGrad?: GradientOptions['maxPoolGrad']
}

export interface ForwardResult {
  /** Per layer name: what its backward needs. */
  saved: Map<string, Saved>
  /** Buffer name → value holding its updated content (BN running statistics). */
  bufferUpdates: Map<string, string>
}

/**
 * Lower the network's layers to ONNX nodes. The caller has already declared the network
 * input and every parameter/buffer under its own name (as graph inputs or initializers).
 */
export function emitForward(g: OnnxGraph, net: Net, opts: ForwardOptions = {}): ForwardResult {
  const saved = new Map<string, Saved>()
  const bufferUpdates = new Map<string, string>()
  const folded = opts.foldFrozenConvBn ? foldablePairs(net, opts) : new Map<string, ConvLayer>()
  const foldedConvs = new Set([...folded.values()].map((c) => c.name))
  for (const layer of net.layers) {
    if (foldedConvs.has(layer.name)) continue // emitted together with its BN
    const conv = folded.get(layer.name)
    if (conv) {
      g.inScope(`fwd/${conv.name}`, () => emitFoldedConvBn(g, conv, layer as BatchNormLayer, { ci: net.shapeOf(conv.inputs[0])[1]!, co: net.shapeOf(conv.output)[1]! }, opts.nchwcBlock))
      saved.set(layer.name, {})
      continue
    }
    const rule = ruleFor(layer)
    saved.set(
      layer.name,
      g.inScope(`fwd/${layer.name}`, () => rule.forward(layer, {
        g,
        shapeOf: (v) => net.shapeOf(v),
        batchStats: opts.batchStats?.(layer) ?? false,
        willBackprop: opts.willBackprop?.(layer) ?? false,
        sampleMask: opts.sampleMask,
        updateBuffer: (name, value) => bufferUpdates.set(name, value),
        nchwcBlock: opts.nchwcBlock,
        maxPoolGrad: opts.maxPoolGrad
      }))
    )
  }
  return { saved, bufferUpdates }
}

/** BN layer name → its Conv, for eval-mode pairs where neither layer is differentiated. */
function foldablePairs(net: Net, opts: ForwardOptions): Map<string, ConvLayer> {
  const consumers = new Map<string, number>()
  for (const l of net.layers) for (const i of l.inputs) consumers.set(i, (consumers.get(i) ?? 0) + 1)
  const producer = new Map(net.layers.map((l) => [l.output, l]))
  const pairs = new Map<string, ConvLayer>()
  for (const layer of net.layers) {
    if (layer.op !== 'BatchNormalization' || opts.batchStats?.(layer) || opts.willBackprop?.(layer)) continue
    const conv = producer.get(layer.inputs[0])
    if (conv?.op !== 'Conv' || consumers.get(conv.output) !== 1 || opts.willBackprop?.(conv)) continue
    pairs.set(layer.name, conv)
  }
  return pairs
}
