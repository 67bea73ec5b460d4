import * as ort from 'onnxruntime-node'
import { OnnxGraph } from './graph'

/**
 * onnxruntime's blocked-channel convolution ('com.microsoft.nchwc' contrib ops, CPU only).
 *
 * ORT rewrites a Conv into its NCHWc form only when the weights are constant initializers,
 * so in a training graph (weights are inputs) every Conv falls back to im2col + SGEMM. The
 * contrib kernel itself reads its filter from an input, so we write the rewrite ourselves:
 * the filter is reordered inside the graph (a Reshape + Transpose of the small weight
 * tensor, once per step), the activation goes through ReorderInput before the conv and
 * ReorderOutput after it.
 *
 * Activations in NCHWc: [N, C/B, H, W, B] stored as a tensor of shape [N, C, H, W].
 * Filters in OIHWBiBo: D[ob][ib][kh][kw][bi][bo] = W[ob·B + bo][ib·B + bi][kh][kw].
 * B (the block) is MLAS's, a property of the CPU (8 on the Zen 5 machines of electron/engine/train/README.md
 * with this onnxruntime build): detectNchwcBlock() measures it instead of guessing.
 */
export const NCHWC_DOMAIN = 'com.microsoft.nchwc'

export interface NchwcConvArgs {
  /** [N, Ci, H, W] NCHW input. */
  x: string
  /** [Co, Ci, k, k] NCHW filter (any value: input, computed, initializer). */
  w: string
  bias?: string
  /** `w` is already the blocked OIHWBiBo filter (reorderFilterFast, transposedFilterBlocked). */
  filterBlocked?: boolean
  ci: number
  co: number
  kernel: number
  stride: number
  pad: number
  block: number
}

/** Whether the blocked conv applies: both channel counts whole multiples of the block. */
export function fitsNchwc(ci: number, co: number, block: number): boolean {
  return block > 0 && ci % block === 0 && co % block === 0
}

/**
 * Whether the blocked conv applies to an NCHW input of fewer channels than the block (the
 * stem's 3): MLAS then reads the input unblocked and takes an OIHWBo filter.
 */
export function fitsNchwcFromNchw(ci: number, co: number, block: number): boolean {
  return block > 0 && ci < block && co % block === 0
}

/** OIHW [Co, Ci, k, k] → OIHWBo (output channels blocked only), kept under the shape [Co, Ci, k, k]. */
export function reorderFilterOutputBlocked(g: OnnxGraph, w: string, co: number, ci: number, k: number, block: number): string {
  const blocked = g.op1('Reshape', [w, g.i64([co / block, block, ci, k, k])]) // [Co/B, Bo, Ci, k, k]
  const moved = g.op1('Transpose', [blocked], { perm: [0, 2, 3, 4, 1] }) // [Co/B, Ci, k, k, Bo]
  return g.op1('Reshape', [moved, g.i64([co, ci, k, k])])
}

/**
 * OIHW [Co, Ci, k, k] → OIHWBiBo, kept under the shape [Co, Ci, k, k] as ORT's own rewrite does.
 * One 6-D Transpose (onnxruntime moves it element by element, single-threaded); the graph
 * uses reorderFilterFast, this stays as its reference (bench/filter-reorder-probe.ts).
 */
export function reorderFilter(g: OnnxGraph, w: string, co: number, ci: number, k: number, block: number): string {
  const blocked = g.op1('Reshape', [w, g.i64([co / block, block, ci / block, block, k, k])]) // [Co/B, Bo, Ci/B, Bi, k, k]
  const moved = g.op1('Transpose', [blocked], { perm: [0, 2, 4, 5, 3, 1] }) // [Co/B, Ci/B, k, k, Bi, Bo]
  return g.op1('Reshape', [moved, g.i64([co, ci, k, k])])
}

/**
 * The same OIHWBiBo filter in two cheaper steps: MLAS's ReorderInput (parallel) blocks Ci
 * innermost ([Co, Ci/B, k, k, Bi]), then a 3-D Transpose moves Bo innermost. Bit-identical;
 * layer4's 512×512×3×3 filter 11–16 → 6–9 CPU ms (bench/filter-reorder-probe.ts).
 */
export function reorderFilterFast(g: OnnxGraph, w: string, co: number, ci: number, k: number, block: number): string {
  const inBlocked = g.op('ReorderInput', [w], {}, 1, NCHWC_DOMAIN)[0]! // [Co, Ci/B, k, k, Bi] under the shape [Co, Ci, k, k]
  const moved = g.op1('Transpose', [g.op1('Reshape', [inBlocked, g.i64([co / block, block, ci * k * k])])], { perm: [0, 2, 1] }) // [Co/B, Ci/B·k·k·Bi, Bo]
  return g.op1('Reshape', [moved, g.i64([co, ci, k, k])])
}

/**
 * The blocked filter of Wᵀ ([Ci, Co, k, k]: the input gradient's conv from Co to Ci
 * channels) straight from W [Co, Ci, k, k] (spatially flipped by the caller), without
 * writing Wᵀ out: ReorderInput blocks Ci innermost, then one Transpose that keeps that
 * innermost block whole: D[ib][ob][kh][kw][bo][bi] = W[ob·B + bo][ib·B + bi][kh][kw].
 * Layer4: 16–18 → 6–7 CPU ms against Transpose + reorderFilter (bench/filter-reorder-probe.ts).
 */
export function transposedFilterBlocked(g: OnnxGraph, w: string, co: number, ci: number, kh: number, block: number, kw = kh): string {
  const inBlocked = g.op('ReorderInput', [w], {}, 1, NCHWC_DOMAIN)[0]! // [Co, Ci/B, kh, kw, Bi]
  const view = g.op1('Reshape', [inBlocked, g.i64([co / block, block, ci / block, kh, kw, block])]) // [Co/B, Bo, Ci/B, kh, kw, Bi]
  const moved = g.op1('Transpose', [view], { perm: [2, 0, 3, 4, 1, 5] }) // [Ci/B, Co/B, kh, kw, Bo, Bi]
  return g.op1('Reshape', [moved, g.i64([ci, co, kh, kw])])
}

/** Y = Conv(X, W[, b]) in NCHW out, computed by the NCHWc kernel (fitsNchwc or fitsNchwcFromNchw). */
export function emitNchwcConv(g: OnnxGraph, a: NchwcConvArgs, output?: string): string {
  const fromNchw = fitsNchwcFromNchw(a.ci, a.co, a.block)
  const filter = a.filterBlocked
    ? a.w
    : fromNchw
      ? reorderFilterOutputBlocked(g, a.w, a.co, a.ci, a.kernel, a.block)
      : reorderFilterFast(g, a.w, a.co, a.ci, a.kernel, a.block)
  const xc = fromNchw ? a.x : g.op('ReorderInput', [a.x], {}, 1, NCHWC_DOMAIN)[0]!
  const attrs = { kernel_shape: [a.kernel, a.kernel], strides: [a.stride, a.stride], pads: [a.pad, a.pad, a.pad, a.pad] }
  const yc = g.op('Conv', a.bias ? [xc, filter, a.bias] : [xc, filter], attrs, 1, NCHWC_DOMAIN)[0]!
  return g.op('ReorderOutput', [yc], { channels: a.co }, output === undefined ? 1 : [output], NCHWC_DOMAIN)[0]!
}

let detected: Promise<number> | undefined

/**
 * MLAS's NCHWc block on this CPU, 0 when the contrib ops are missing (another build or
 * architecture). ReorderInput of channels 0..63 at two pixels shows the block directly: the
 * blocked buffer starts with B values of pixel 0 before pixel 1's.
 */
export function detectNchwcBlock(): Promise<number> {
  detected ??= (async () => {
    try {
      const c = 64
      const g = new OnnxGraph('nchwc_probe')
      g.input('x', 'float32', [1, c, 2, 1])
      g.op('ReorderInput', ['x'], {}, ['y'], NCHWC_DOMAIN)
      g.output('y', 'y', 'float32', [1, c, 2, 1])
      const session = await ort.InferenceSession.create(g.toBytes(), { intraOpNumThreads: 1, interOpNumThreads: 1 })
      const x = Float32Array.from({ length: c * 2 }, (_, i) => i) // x[ch][px] = 2·ch + px
      const y = (await session.run({ x: new ort.Tensor('float32', x, [1, c, 2, 1]) })).y!.data as Float32Array
      await session.release()
      let block = 0
      while (block < c && y[block] === 2 * block) block++
      return block === 8 || block === 16 ? block : 0
    } catch {
      return 0
    }
  })()
  return detected
}
