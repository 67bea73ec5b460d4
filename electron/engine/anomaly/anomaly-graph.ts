import { OnnxGraph } from '../onnx/graph'
import { onnxRoot } from '../onnx/onnx-proto'
import type { MemoryBank } from './knn'
import { rowNorms } from './knn'
import { gaussianKernel1d } from './scoring'

/**
 * The anomaly model as one ONNX graph, so inspection, `predict`, model packages and GPU
 * providers treat it like any other model: the ResNet18 trunk (models/resnet.ts's builder, outputs
 * layer2 + layer3) followed by PatchCore's head:
 *   AveragePool 3×3 (count_include_pad) on layer2 and layer3 → Resize layer3 to layer2's
 *   grid (linear, half_pixel) → Concat → [N·h·w, D] → optional MatMul projection →
 *   nearest bank row by MatMul + ReduceMin (the memory bank is an initializer) → Sqrt →
 *   'patch_scores' [N, h, w], 'score' [N] (max patch score), and
 *   'anomaly_map' [N, 1, S, S] (patch scores resized bilinearly to the input, then a
 *   separable Gaussian blur with sigma 4 and reflect padding, as anomalib does).
 * The JS functions in patch-features.ts / knn.ts / scoring.ts compute the same values
 * and are the reference for tests.
 */

export const ANOMALY_OUTPUTS = { score: 'score', patchScores: 'patch_scores', anomalyMap: 'anomaly_map' } as const

/**
 * Append nearest-bank-row search for `queries` [Q, D] to a graph. Returns the names of
 * the squared distances [Q] float32 and the indices [Q] int64. Uses
 * ||q − b||² = ||q||² + ||b||² − 2 q·b with the bank transposed and its norms as constants.
 */
export function addNearestDistance(g: OnnxGraph, queries: string, bank: MemoryBank, prefix = 'bank'): { squared: string; indices: string } {
  const bankT = new Float32Array(bank.dim * bank.size) // [D, M]
  for (let m = 0; m < bank.size; m++) for (let j = 0; j < bank.dim; j++) bankT[j * bank.size + m] = bank.data[m * bank.dim + j]!
  const bt = g.initializer(`${prefix}.transposed`, { dtype: 'float32', shape: [bank.dim, bank.size], data: bankT })
  const bn = g.initializer(`${prefix}.norms`, { dtype: 'float32', shape: [bank.size], data: rowNorms(bank.data, bank.size, bank.dim) })
  const dot = g.op1('MatMul', [queries, bt]) // [Q, M]
  const partial = g.op1('Sub', [bn, g.op1('Mul', [dot, g.f32(2)])]) // [Q, M]: ||b||² − 2 q·b
  const min = g.op1('ReduceMin', [partial], { axes: [1], keepdims: 0 }) // [Q]
  const indices = g.op1('ArgMin', [partial], { axis: 1, keepdims: 0 }) // [Q] int64
  const qn = g.op1('ReduceSumSquare', [queries], { axes: [1], keepdims: 0 }) // [Q]
  const squared = g.op1('Relu', [g.op1('Add', [min, qn])]) // [Q], rounding can dip below 0
  return { squared, indices }
}

/** A stand-alone kNN model: 'queries' [Q, D] → 'distances' [Q] (squared), 'indices' [Q] int64. */
export function buildKnnModel(bank: MemoryBank): Uint8Array {
  const g = new OnnxGraph('patchcore_knn')
  const q = g.input('queries', 'float32', ['Q', bank.dim])
  const { squared, indices } = addNearestDistance(g, q, bank)
  g.output(squared, 'distances', 'float32', ['Q'])
  g.output(indices, 'indices', 'int64', ['Q'])
  return g.toBytes({ doc: 'PatchCore nearest-neighbour search (MatMul + ReduceMin)' })
}

export interface AnomalyHeadOptions {
  /** Channels of layer2 / layer3 and layer2's grid (layer3's is half of it). */
  layer2Channels: number
  layer3Channels: number
  gridHeight: number
  gridWidth: number
  /** Network input side (the anomaly map has this size). */
  inputHeight: number
  inputWidth: number
  /** Optional projection [layer2Channels + layer3Channels, bank.dim]. */
  projection?: Float32Array
  bank: MemoryBank
  /** Gaussian sigma of the anomaly map, in input pixels (PatchCore/anomalib: 4). */
  sigma?: number
}

/** The head as its own graph with inputs 'layer2' [N, C2, h, w] and 'layer3' [N, C3, h/2, w/2]. */
export function buildAnomalyHead(opts: AnomalyHeadOptions): OnnxGraph {
  const { gridHeight: h, gridWidth: w, inputHeight: H, inputWidth: W, bank } = opts
  const g = new OnnxGraph('patchcore_head')
  const l2 = g.input('layer2', 'float32', ['N', opts.layer2Channels, h, w])
  const l3 = g.input('layer3', 'float32', ['N', opts.layer3Channels, Math.ceil(h / 2), Math.ceil(w / 2)])
  const pool = { kernel_shape: [3, 3], strides: [1, 1], pads: [1, 1, 1, 1], count_include_pad: 1 }
  const p2 = g.op1('AveragePool', [l2], pool) // [N, C2, h, w]
  const p3 = g.op1('AveragePool', [l3], pool) // [N, C3, h/2, w/2]
  const gridShape = g.op1('Shape', [p2]) // [4]: N, C2, h, w
  const nOnly = g.op1('Slice', [gridShape, g.i64([0]), g.i64([1])]) // [1]
  const up3Sizes = g.op1('Concat', [nOnly, g.i64([opts.layer3Channels, h, w])], { axis: 0 })
  const up3 = g.op1('Resize', [p3, '', '', up3Sizes], { mode: 'linear', coordinate_transformation_mode: 'half_pixel' }) // [N, C3, h, w]
  const cat = g.op1('Concat', [p2, up3], { axis: 1 }) // [N, D, h, w]
  const dim = opts.layer2Channels + opts.layer3Channels
  const rows = g.op1('Reshape', [g.op1('Transpose', [cat], { perm: [0, 2, 3, 1] }), g.i64([-1, dim])]) // [N·h·w, D]
  let queries = rows
  if (opts.projection) {
    const proj = g.initializer('bank.projection', { dtype: 'float32', shape: [dim, bank.dim], data: opts.projection })
    queries = g.op1('MatMul', [rows, proj]) // [N·h·w, d]
  }
  const { squared } = addNearestDistance(g, queries, bank)
  const patch = g.op1('Reshape', [g.op1('Sqrt', [squared]), g.i64([-1, h, w])]) // [N, h, w]
  g.output(patch, ANOMALY_OUTPUTS.patchScores, 'float32', ['N', h, w])
  g.output(g.op1('ReduceMax', [patch], { axes: [1, 2], keepdims: 0 }), ANOMALY_OUTPUTS.score, 'float32', ['N'])

  // Anomaly map: [N, 1, h, w] → bilinear to [N, 1, H, W] → Gaussian blur (reflect padding).
  const patch4 = g.op1('Unsqueeze', [patch, g.i64([1])])
  const mapSizes = g.op1('Concat', [nOnly, g.i64([1, H, W])], { axis: 0 })
  const up = g.op1('Resize', [patch4, '', '', mapSizes], { mode: 'linear', coordinate_transformation_mode: 'half_pixel' })
  const kernel = gaussianKernel1d(opts.sigma ?? 4)
  const r = (kernel.length - 1) / 2
  const kx = g.initializer('map.gaussian_x', { dtype: 'float32', shape: [1, 1, 1, kernel.length], data: kernel })
  const ky = g.initializer('map.gaussian_y', { dtype: 'float32', shape: [1, 1, kernel.length, 1], data: kernel })
  // Reflect padding needs pad < size; clamp for tiny inputs (edge rows then repeat).
  const px = Math.min(r, W - 1)
  const py = Math.min(r, H - 1)
  const padX = g.op1('Pad', [up, g.i64([0, 0, 0, px, 0, 0, 0, px])], { mode: 'reflect' })
  const bx = g.op1('Conv', [padX, kx], { pads: [0, r - px, 0, r - px] })
  const padY = g.op1('Pad', [bx, g.i64([0, 0, py, 0, 0, 0, py, 0])], { mode: 'reflect' })
  const by = g.op1('Conv', [padY, ky], { pads: [r - py, 0, r - py, 0] })
  g.output(by, ANOMALY_OUTPUTS.anomalyMap, 'float32', ['N', 1, H, W])
  return g
}

interface DecodedModel {
  graph: { node: Array<{ input: string[]; output: string[]; name?: string }>; initializer: Array<{ name: string }>; input: Array<{ name: string }>; output: Array<{ name: string }>; name?: string }
  metadata_props?: Array<{ key: string; value: string }>
  [k: string]: unknown
}

/**
 * Join a backbone ONNX model (with outputs 'layer2' and 'layer3') and the head into one
 * model whose outputs are the head's. Head values are renamed under 'patchcore/' so they
 * cannot collide with the backbone's generated names.
 */
export function attachAnomalyHead(backbone: Uint8Array, head: OnnxGraph, metadata: Record<string, string> = {}): Uint8Array {
  const ModelProto = onnxRoot().lookupType('onnx.ModelProto')
  const toObj = (bytes: Uint8Array): DecodedModel => ModelProto.toObject(ModelProto.decode(bytes), { defaults: false, longs: Number, arrays: true }) as DecodedModel
  const base = toObj(backbone)
  const extra = toObj(head.toBytes())
  const outputs = new Set(base.graph.output.map((o) => o.name))
  if (!outputs.has('layer2') || !outputs.has('layer3')) {
    throw new Error('The backbone model has no layer2/layer3 outputs; build it with outputs { layer2: true, layer3: true }.')
  }
  const keep = new Set(['layer2', 'layer3', ...extra.graph.output.map((o) => o.name)])
  const rename = (n: string): string => (n === '' || keep.has(n) ? n : `patchcore/${n}`)
  for (const node of extra.graph.node) {
    node.input = node.input.map(rename)
    node.output = node.output.map(rename)
    if (node.name) node.name = `patchcore/${node.name}`
  }
  for (const init of extra.graph.initializer) init.name = rename(init.name)
  // Only what the head's outputs need: layer4 and fc (most of ResNet18's weights) go.
  const { node, initializer } = liveSubgraph([...base.graph.node, ...extra.graph.node], [...base.graph.initializer, ...extra.graph.initializer], extra.graph.output.map((o) => o.name))
  const merged = {
    ...base,
    graph: { ...base.graph, node, initializer, output: extra.graph.output, value_info: [] },
    metadata_props: [...(base.metadata_props ?? []), ...Object.entries(metadata).map(([key, value]) => ({ key, value }))]
  }
  return ModelProto.encode(ModelProto.fromObject(merged)).finish()
}

/** Nodes (in order) and initializers that the given outputs depend on. */
function liveSubgraph<N extends { input: string[]; output: string[] }, I extends { name: string }>(nodes: N[], inits: I[], outputs: string[]): { node: N[]; initializer: I[] } {
  const needed = new Set(outputs)
  const keep: boolean[] = new Array(nodes.length).fill(false)
  for (let i = nodes.length - 1; i >= 0; i--) {
    const n = nodes[i]!
    if (!n.output.some((o) => needed.has(o))) continue
    keep[i] = true
    for (const x of n.input) if (x !== '') needed.add(x)
  }
  return { node: nodes.filter((_, i) => keep[i]), initializer: inits.filter((t) => needed.has(t.name)) }
}

/** The same model with only the given outputs and what they need (e.g. a trunk up to layer3). */
export function pruneToOutputs(model: Uint8Array, outputs: string[]): Uint8Array {
  const ModelProto = onnxRoot().lookupType('onnx.ModelProto')
  const m = ModelProto.toObject(ModelProto.decode(model), { defaults: false, longs: Number, arrays: true }) as DecodedModel
  const missing = outputs.filter((o) => !m.graph.output.some((x) => x.name === o))
  if (missing.length > 0) throw new Error(`The model has no output(s) ${missing.join(', ')}.`)
  const { node, initializer } = liveSubgraph(m.graph.node, m.graph.initializer, outputs)
  const pruned = { ...m, graph: { ...m.graph, node, initializer, output: m.graph.output.filter((o) => outputs.includes(o.name)), value_info: [] } }
  return ModelProto.encode(ModelProto.fromObject(pruned)).finish()
}
