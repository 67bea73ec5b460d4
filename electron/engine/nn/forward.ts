import type { OnnxGraph } from '../onnx/graph'
import type { Layer, Net } from './ir'
import { ruleFor } from './layers'
import type { Saved } from './layers/rule'

export interface ForwardOptions {
  /** BatchNormalization layers that use batch statistics (default: none, i.e. eval mode). */
  batchStats?: (layer: Layer) => boolean
  /** Layers whose backward will be emitted (they keep extra outputs such as MaxPool indices). */
  willBackprop?: (layer: Layer) => boolean
  /** [N, 1, 1, 1] float32 mask of real samples (1) vs batch padding (0), for batch statistics. */
  sampleMask?: string
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
  for (const layer of net.layers) {
    const rule = ruleFor(layer)
    saved.set(
      layer.name,
      rule.forward(layer, {
        g,
        shapeOf: (v) => net.shapeOf(v),
        batchStats: opts.batchStats?.(layer) ?? false,
        willBackprop: opts.willBackprop?.(layer) ?? false,
        sampleMask: opts.sampleMask,
        updateBuffer: (name, value) => bufferUpdates.set(name, value)
      })
    )
  }
  return { saved, bufferUpdates }
}
