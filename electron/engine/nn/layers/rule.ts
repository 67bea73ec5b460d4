import type { OnnxGraph } from '../../onnx/graph'
import type { Layer, Shape } from '../ir'

/**
 * How each layer kind lowers to ONNX (forward) and what its gradient is (backward): one
 * file per kind in this folder, forward next to backward, in the spirit of micrograd.
 */

/** Alternative formulations for providers where the default ops are slow or missing. */
export interface GradientOptions {
  /**
   * Conv weight gradient. 'by-shape' (default): the fastest of the CPU forms per conv shape
   * (conv.ts, weightGradForm). 'tap-matmul': per kernel tap a strided Slice of the padded
   * input and one MatMul over N·oh·ow. 'per-sample': per tap a batched MatMul over oh·ow,
   * summed over the batch. 'channels-first': windows stacked per kernel row as
   * [k·Ci, N·oh·ow] times dY [N·oh·ow, Co] (few input channels). 'phases' (stride 2): the
   * same on the input split into its four stride phases, so windows are stride-1 copies.
   * 'dilated-conv': one Conv of the transposed input with the transposed output gradient as
   * kernel, dilated by the stride (fewer nodes; may suit GPU providers better). 'winograd'
   * (3×3 stride-1 pad-1 convs; others take 'tap-chunked'): F(2×2, 3×3) or F(4×4, 3×3), GEMMs
   * over transformed tiles, 4/9 or 1/4 of the multiply-adds (layers/winograd.ts).
   */
  convWeightGrad: 'by-shape' | 'tap-matmul' | 'tap-chunked' | 'winograd' | 'per-sample' | 'channels-first' | 'phases' | 'dilated-conv'
  /**
   * Conv input gradient for stride-1 convs. 'conv-transpose' (default): ConvTranspose(dY, W),
   * as for every stride. 'flipped-conv': an ordinary Conv of dY with the kernel transposed
   * and flipped, padding k − 1 − p; the same gradient to fp32 rounding, and in ORT CPU
   * profiles its dX ran ~1.4x faster than ConvTranspose (a few % of a step; not confirmed by
   * the loaded-machine bench). Strided convs use ConvTranspose with output_padding (but see
   * stridedInputGrad).
   */
  convInputGrad: 'conv-transpose' | 'flipped-conv'
  /**
   * Input gradient of the 3×3 stride-2 convs where the NCHWc kernel applies, on output maps
   * up to 14² (conv.ts, PHASES_MAX_MAP). 'phases' (default): four stride-1 blocked convs, one
   * per output phase, interleaved (conv.ts, inputGradStride2Phases). 'conv-transpose': ConvTranspose with output_padding (also the
   * form for every other strided conv and for providers without the NCHWc ops).
   */
  stridedInputGrad: 'phases' | 'conv-transpose'
  /**
   * onnxruntime's NCHWc block (onnx/nchwc.ts, detectNchwcBlock) for convs whose channel
   * counts are multiples of it, 0 = plain ONNX Conv. With a block, forward convs and the
   * input gradient of stride-1 convs (as a flipped conv) run on the blocked CPU kernel with
   * an in-graph filter reorder. CPU provider only: other providers lack the contrib ops.
   */
  nchwcBlock: number
  /**
   * MaxPool backward. 'indices' (default, CPU): the forward also returns MaxPool's Indices
   * and dx scatters dy to them (ScatterElements). 'window-mask': no Indices — per kernel tap
   * the strided window slice is compared with the pooled output, the first tap that equals
   * it takes dy (the same first-maximum rule), and one ConvTranspose with one-hot kernels
   * puts the taps back. For providers without MaxPool Indices (WebGPU in onnxruntime 1.30
   * accepts the node but fails when it runs).
   */
  maxPoolGrad: 'indices' | 'window-mask'
  /**
   * 'tap-chunked' (and 'by-shape' where it picks it): rows (samples · output pixels) per
   * batched MatMul, i.e. SGEMM's K. The batch is split into whole-sample chunks of about
   * this many rows; one chunk is the plain tap form.
   */
  dwChunkRows: number
  /**
   * Whether 'by-shape' takes the Winograd form for the 3×3 stride-1 convs where it pays
   * (winograd.ts, winogradPays), with an NCHWc block only, i.e. on the CPU provider: it uses
   * the com.microsoft FusedMatMul and a 3-D Conv.
   */
  winograd: boolean
  /**
   * The Winograd form's transformed tiles per chunk of samples, bytes (layers/winograd.ts):
   * the batch is transformed a chunk at a time to hold the step's peak memory.
   */
  winogradChunkBytes: number
}

export const DEFAULT_GRADIENT_OPTIONS: GradientOptions = { convWeightGrad: 'by-shape', convInputGrad: 'conv-transpose', stridedInputGrad: 'phases', nchwcBlock: 0, maxPoolGrad: 'indices', dwChunkRows: 3136, winograd: true, winogradChunkBytes: 16 * 2 ** 20 }

export interface ForwardContext {
  g: OnnxGraph
  shapeOf(value: string): Shape
  /** BatchNormalization: use batch statistics (a trainable layer in a training graph). */
  batchStats: boolean
  /** This layer's backward will be emitted: keep what it needs (MaxPool indices). */
  willBackprop: boolean
  /** [N, 1, 1, 1] float32: 1 for real samples, 0 for batch padding (training graphs only). */
  sampleMask?: string
  /** Report the new value of a buffer (BN running statistics). */
  updateBuffer(name: string, value: string): void
  /** NCHWc block for forward convs (GradientOptions.nchwcBlock); 0 or absent = plain Conv. */
  nchwcBlock?: number
  /** GradientOptions.maxPoolGrad: whether MaxPool keeps its Indices for the backward. */
  maxPoolGrad?: GradientOptions['maxPoolGrad']
}

/** Values the forward kept for the backward (names in the graph). */
export type Saved = Partial<Record<string, string>>

export interface BackwardContext {
  g: OnnxGraph
  shapeOf(value: string): Shape
  saved: Saved
  /** Per layer input: whether its gradient is needed upstream. */
  wantInputGrads: boolean[]
  /** Whether the layer's parameters are trained (emit their gradients). */
  wantParamGrads: boolean
  sampleMask?: string
  options: GradientOptions
}

export interface GradResult {
  /** Gradient for each layer input (undefined when not wanted). */
  inputs: Array<string | undefined>
  /** Parameter name → gradient value. */
  params: Map<string, string>
}

export interface LayerRule<L extends Layer> {
  /** Emit the forward nodes; the layer's output value must be named `layer.output`. */
  forward(layer: L, ctx: ForwardContext): Saved
  /** Emit the gradient nodes given dY (same shape as the output). */
  backward(layer: L, dY: string, ctx: BackwardContext): GradResult
}

/** A [C] vector as [1, C, 1, 1] for broadcasting against NCHW maps. */
export function asChannelMap(g: OnnxGraph, v: string): string {
  return g.op1('Unsqueeze', [v, g.i64([0, 2, 3])])
}

/** A [1, C, 1, 1] map back to [C]. */
export function asVector(g: OnnxGraph, v: string): string {
  return g.op1('Squeeze', [v, g.i64([0, 2, 3])])
}
