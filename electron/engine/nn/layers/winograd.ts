import type { ConvLayer } from '../ir'
import type { BackwardContext } from './rule'

/**
 * The weight gradient of a 3×3 stride-1 pad-1 conv through Winograd's minimal filtering
 * F(m×m, 3×3) (Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks", 2016),
 * with m = 2 or 4 output pixels per tile side and α = m + 2.
 *
 * The forward, per m×m output tile with d its α×α input window (stride m over padded X), is
 *   Y = Aᵀ [(G W Gᵀ) ⊙ (Bᵀ d B)] A
 * so by the chain rule
 *   dW = Gᵀ [ Σ over samples and tiles of (A dY Aᵀ) ⊙ (Bᵀ d B) ] G,
 * i.e. for each of the α² positions ξ of a transformed tile ONE GEMM
 *   M[ξ] = V[ξ] · U[ξ]ᵀ,  V[ξ] = (A dY Aᵀ)[ξ]: [Co, N·T²],  U[ξ] = (Bᵀ d B)[ξ]: [Ci, N·T²]
 * with T² tiles per map: α²/m² · N·H·W·Co·Ci multiply-adds (4 for m = 2, 2.25 for m = 4)
 * instead of the direct form's 9. Both transforms are linear maps of windows, so each is ONE
 * Conv: a 3-D Conv whose depth axis holds channels and samples, which writes the tiles
 * already as [α², C, N·T²] (the GEMM layout: K contiguous in both operands, which MLAS's
 * SGEMM runs fastest, bench/gemm-shape-probe.ts). A side that is not a multiple of m is
 * padded; the extra outputs have dY = 0 and add nothing. m = 4 holds 2.25× the map in
 * transformed tiles instead of 4×, but its transforms have larger coefficients (rounding
 * 4–8e-6 of the largest value instead of ≤ 7e-7 on ResNet18's shapes): it is taken where
 * the sides are multiples of 4 and the map is at least 28² (layer1/layer2 at 224 px).
 *
 * Measured on ORT CPU (electron/engine/train/README.md, "Session 8").
 */

/** The shapes this form is written for. */
export function isWinogradShape(layer: ConvLayer): boolean {
  return layer.kernel === 3 && layer.stride === 1 && layer.pad === 1
}

/**
 * Where 'by-shape' takes it (electron/engine/train/README.md, "Session 8"):
 * - the conv's weight gradient is at least MIN_GFLOP of direct work. Below that (the small
 *   models the auto recipe trains, width 0.25 at 64 px) the step is bound by its number of
 *   kernels, not by FLOPs, and the direct forms' rounding is kept (with Winograd the hard
 *   benchmark's auto run ended elsewhere: training amplifies rounding-level differences);
 * - the gradient in the transformed domain, [α², Co, Ci], is no larger than the conv's input
 *   [N, Ci, H, W] (α² = 16 or 36). On small maps with many channels (layer4 at 224 px:
 *   16·512 against 32·7²) it would be 5× the input, allocated at the start of the backward
 *   when the arena is fullest (peak RSS of the none step 1365 → 1479 MB with it).
 */
export function winogradPays(layer: ConvLayer, shapeOf: (v: string) => readonly number[]): boolean {
  if (!isWinogradShape(layer)) return false
  const [n, ci, h, w] = shapeOf(layer.inputs[0]) as [number, number, number, number]
  const co = shapeOf(layer.output)[1]!
  const gflop = (2 * n * h * w * ci * co * 9) / 1e9
  return gflop >= MIN_GFLOP && variantFor(h, w).alpha ** 2 * co <= n * h * w
}

/** ResNet18's 3×3 convs at 224 px, batch 32, are 7.4 GFLOP each; at 64 px, width 0.25, 0.04. */
const MIN_GFLOP = 1

function variantFor(h: number, w: number): Winograd {
  return h % 4 === 0 && w % 4 === 0 && h * w >= 784 ? F4 : F2
}

/**
 * dW [Co, Ci, 3, 3] of a conv isWinogradShape accepts. The batch is taken in chunks of whole
 * samples, one after the other, so the transforms (4× or 2.25× the map each, and the 3-D
 * Conv's column buffer as much again) hold about options.winogradChunkBytes at once. Step-alone
 * peak RSS (`npx tsx bench/train-step.ts --skip-torch --steps 2 --freeze P`), all-but-stem /
 * none: 1034 / 1382 MB without Winograd, 1247 / 1679 with it unchunked, 1034 / 1365 as built
 * here (16 MiB chunks, layer4 left to the taps by winogradPays).
 */
export function winogradWeightGrad(layer: ConvLayer, dY: string, ctx: BackwardContext): string {
  const { g } = ctx
  const x = layer.inputs[0]
  const [n, ci, h, w] = ctx.shapeOf(x) as [number, number, number, number]
  const co = ctx.shapeOf(layer.output)[1]!
  const f = variantFor(h, w)
  const { m: tile, alpha } = f
  const a2 = alpha * alpha
  const [th, tw] = [Math.ceil(h / tile), Math.ceil(w / tile)]
  const bytesPerSample = a2 * Math.max(ci, co) * th * tw * 4
  let chunks = Math.max(1, Math.min(n, Math.ceil((n * bytesPerSample) / ctx.options.winogradChunkBytes)))
  while (n % chunks !== 0) chunks++
  const m = n / chunks // samples per chunk
  const xs = chunks === 1 ? [x] : g.op('Split', [x, g.i64(Array(chunks).fill(m))], { axis: 0 }, chunks)
  const dys = chunks === 1 ? [dY] : g.op('Split', [dY, g.i64(Array(chunks).fill(m))], { axis: 0 }, chunks)
  // [m, C, H, W] → [1, 1, C·m, H, W]: channels and samples along the 3-D Conv's depth.
  const depthFirst = (v: string, channels: number): string => g.op1('Reshape', [g.op1('Transpose', [v], { perm: [1, 0, 2, 3] }), g.i64([1, 1, channels * m, h, w])])
  const inputTransform = g.constant(`winograd${tile}_bt`, { dtype: 'float32', shape: [a2, 1, 1, alpha, alpha], data: f.inputTransform })
  const gradTransform = g.constant(`winograd${tile}_at`, { dtype: 'float32', shape: [a2, 1, 1, tile, tile], data: f.gradTransform })
  const k = m * th * tw
  let sum = ''
  for (let i = 0; i < chunks; i++) {
    // X padded by 1 above/left and up to tile·T + 1 below/right (α×α windows at stride
    // tile); dY up to tile·T. The Conv pads while it copies its windows (no Pad node).
    const u = g.op1('Conv', [depthFirst(xs[i]!, ci), inputTransform], { kernel_shape: [1, alpha, alpha], strides: [1, tile, tile], pads: [0, 1, 1, 0, tile * th + 1 - h, tile * tw + 1 - w] }) // [1, α², Ci·m, T, T]
    const v = g.op1('Conv', [depthFirst(dys[i]!, co), gradTransform], { kernel_shape: [1, tile, tile], strides: [1, tile, tile], pads: [0, 0, 0, 0, tile * th - h, tile * tw - w] }) // [1, α², Co·m, T, T]
    const part = g.op('FusedMatMul', [g.op1('Reshape', [v, g.i64([a2, co, k])]), g.op1('Reshape', [u, g.i64([a2, ci, k])])], { transB: 1 }, 1, 'com.microsoft')[0]! // [α², Co, Ci]
    sum = i === 0 ? part : g.op1('Add', [sum, part])
  }
  // dW[co, ci, t] = Σ_ξ M[ξ, co, ci] · G⊗G[ξ, t]: the [α², Co·Ci] sum read transposed.
  const filterTransform = g.constant(`winograd${tile}_g`, { dtype: 'float32', shape: [a2, 9], data: f.filterTransform })
  const taps = g.op('FusedMatMul', [g.op1('Reshape', [sum, g.i64([a2, co * ci])]), filterTransform], { transA: 1 }, 1, 'com.microsoft')[0]! // [Co·Ci, 9]
  return g.op1('Reshape', [taps, g.i64([co, ci, 3, 3])])
}

/**
 * One F(m×m, 3×3) as the kernels above apply it; ξ = α·a + b indexes the α×α transformed tile.
 *   inputTransform [ξ, α·i + j] = Bᵀ[a][i] · Bᵀ[b][j]
 *   gradTransform  [ξ, m·p + q] = Aᵀ[p][a] · Aᵀ[q][b]
 *   filterTransform [ξ, 3u + v] = G[a][u] · G[b][v]
 */
interface Winograd { m: number; alpha: number; inputTransform: Float32Array; gradTransform: Float32Array; filterTransform: Float32Array }

function winograd(bt: number[][], gm: number[][], at: number[][]): Winograd {
  const alpha = bt.length
  const m = at.length
  const inputTransform = new Float32Array(alpha ** 4)
  const gradTransform = new Float32Array(alpha * alpha * m * m)
  const filterTransform = new Float32Array(alpha * alpha * 9)
  for (let a = 0; a < alpha; a++) {
    for (let b = 0; b < alpha; b++) {
      const xi = alpha * a + b
      for (let i = 0; i < alpha; i++) for (let j = 0; j < alpha; j++) inputTransform[xi * alpha * alpha + alpha * i + j] = bt[a]![i]! * bt[b]![j]!
      for (let p = 0; p < m; p++) for (let q = 0; q < m; q++) gradTransform[xi * m * m + m * p + q] = at[p]![a]! * at[q]![b]!
      for (let u = 0; u < 3; u++) for (let v = 0; v < 3; v++) filterTransform[xi * 9 + 3 * u + v] = gm[a]![u]! * gm[b]![v]!
    }
  }
  return { m, alpha, inputTransform, gradTransform, filterTransform }
}

/** F(2×2, 3×3): interpolation points 0, ±1, ∞. */
const F2 = winograd(
  [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]],
  [[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]],
  [[1, 1, 1, 0], [0, 1, -1, -1]]
)

/** F(4×4, 3×3): interpolation points 0, ±1, ±2, ∞ (the matrices of Lavin & Gray, section 4.2). */
const F4 = winograd(
  [[4, 0, -5, 0, 1, 0], [0, -4, -4, 1, 1, 0], [0, 4, -4, -1, 1, 0], [0, -2, -1, 2, 1, 0], [0, 2, -1, -2, 1, 0], [0, 4, 0, -5, 0, 1]],
  [[1 / 4, 0, 0], [-1 / 6, -1 / 6, -1 / 6], [-1 / 6, 1 / 6, -1 / 6], [1 / 24, 1 / 12, 1 / 6], [1 / 24, -1 / 12, 1 / 6], [0, 0, 1]],
  [[1, 1, 1, 1, 1, 0], [0, 1, -1, 2, -2, 0], [0, 1, 1, 4, 4, 0], [0, 1, -1, 8, -8, 1]]
)
