import type { ConvLayer } from '../ir'
import type { BackwardContext } from './rule'

/**
 * The weight gradient of a 3×3 stride-1 pad-1 conv through Winograd's minimal filtering
 * F(2×2, 3×3) (Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks", 2016).
 *
 * The forward, per 2×2 output tile with d its 4×4 input window (stride 2 over padded X), is
 *   Y = Aᵀ [(G W Gᵀ) ⊙ (Bᵀ d B)] A
 * so by the chain rule
 *   dW = Gᵀ [ Σ over samples and tiles of (A dY Aᵀ) ⊙ (Bᵀ d B) ] G,
 * i.e. for each of the 16 positions ξ of a transformed tile ONE GEMM
 *   M[ξ] = V[ξ] · U[ξ]ᵀ,  V[ξ] = (A dY Aᵀ)[ξ]: [Co, N·T²],  U[ξ] = (Bᵀ d B)[ξ]: [Ci, N·T²]
 * with T² tiles per map: 16·N·T²·Co·Ci = 4·N·H·W·Co·Ci multiply-adds instead of the direct
 * form's 9·N·H·W·Co·Ci. Both transforms are linear maps of windows, so each is ONE Conv: a
 * 3-D Conv whose depth axis holds channels and samples, which writes the tiles already as
 * [16, C, N·T²] (the GEMM layout: K contiguous in both operands, which MLAS's SGEMM runs
 * fastest, bench/gemm-shape-probe.ts). An odd side is padded to even; the extra outputs
 * have dY = 0 and add nothing.
 *
 * Measured on ORT CPU (electron/engine/train/README.md, "Session 8"): 0.60–0.74× the CPU time
 * of the tap forms per conv; within 7e-7 of them relative to the largest value.
 */

/** The shapes this form is written for. */
export function isWinogradShape(layer: ConvLayer): boolean {
  return layer.kernel === 3 && layer.stride === 1 && layer.pad === 1
}

/**
 * dW [Co, Ci, 3, 3] of a conv isWinogradShape accepts. The batch is taken in chunks of whole
 * samples, one after the other, so the transforms (4× the map each, and the 3-D Conv's
 * column buffer as much again) hold about options.winogradChunkBytes at once. Without
 * chunks the step's peak RSS rose 1034 → 1247 MB (all-but-stem) and 1382 → 1679 MB (none);
 * with 16 MiB chunks 1052 and 1411 (`npx tsx bench/train-step.ts --skip-torch --steps 2`).
 */
export function winogradWeightGrad(layer: ConvLayer, dY: string, ctx: BackwardContext): string {
  const { g } = ctx
  const x = layer.inputs[0]
  const [n, ci, h, w] = ctx.shapeOf(x) as [number, number, number, number]
  const co = ctx.shapeOf(layer.output)[1]!
  const [th, tw] = [Math.ceil(h / 2), Math.ceil(w / 2)]
  const bytesPerSample = 16 * Math.max(ci, co) * th * tw * 4
  let chunks = Math.max(1, Math.min(n, Math.round((n * bytesPerSample) / ctx.options.winogradChunkBytes)))
  while (n % chunks !== 0) chunks--
  const m = n / chunks // samples per chunk
  const xs = chunks === 1 ? [x] : g.op('Split', [x, g.i64(Array(chunks).fill(m))], { axis: 0 }, chunks)
  const dys = chunks === 1 ? [dY] : g.op('Split', [dY, g.i64(Array(chunks).fill(m))], { axis: 0 }, chunks)
  // [m, C, H, W] → [1, 1, C·m, H, W]: channels and samples along the 3-D Conv's depth.
  const depthFirst = (v: string, channels: number): string => g.op1('Reshape', [g.op1('Transpose', [v], { perm: [1, 0, 2, 3] }), g.i64([1, 1, channels * m, h, w])])
  const inputTransform = g.constant('winograd_bt', { dtype: 'float32', shape: [16, 1, 1, 4, 4], data: WINOGRAD.inputTransform })
  const gradTransform = g.constant('winograd_at', { dtype: 'float32', shape: [16, 1, 1, 2, 2], data: WINOGRAD.gradTransform })
  const k = m * th * tw
  let sum = ''
  for (let i = 0; i < chunks; i++) {
    // X padded by 1 above/left and up to 2·T + 1 below/right (4×4 windows at stride 2);
    // dY up to 2·T. The Conv pads while it copies its windows (no Pad node).
    const u = g.op1('Conv', [depthFirst(xs[i]!, ci), inputTransform], { kernel_shape: [1, 4, 4], strides: [1, 2, 2], pads: [0, 1, 1, 0, 2 * th + 1 - h, 2 * tw + 1 - w] }) // [1, 16, Ci·m, T, T]
    const v = g.op1('Conv', [depthFirst(dys[i]!, co), gradTransform], { kernel_shape: [1, 2, 2], strides: [1, 2, 2], pads: [0, 0, 0, 0, 2 * th - h, 2 * tw - w] }) // [1, 16, Co·m, T, T]
    const part = g.op('FusedMatMul', [g.op1('Reshape', [v, g.i64([16, co, k])]), g.op1('Reshape', [u, g.i64([16, ci, k])])], { transB: 1 }, 1, 'com.microsoft')[0]! // [16, Co, Ci]
    sum = i === 0 ? part : g.op1('Add', [sum, part])
  }
  // dW[co, ci, t] = Σ_ξ M[ξ, co, ci] · G⊗G[ξ, t]: the [16, Co·Ci] sum read transposed.
  const filterTransform = g.constant('winograd_g', { dtype: 'float32', shape: [16, 9], data: WINOGRAD.filterTransform })
  const taps = g.op('FusedMatMul', [g.op1('Reshape', [sum, g.i64([16, co * ci])]), filterTransform], { transA: 1 }, 1, 'com.microsoft')[0]! // [Co·Ci, 9]
  return g.op1('Reshape', [taps, g.i64([co, ci, 3, 3])])
}

/** F(2×2, 3×3)'s matrices as the kernels above apply them; ξ = 4a + b indexes the 4×4 transformed tile. */
const WINOGRAD = (() => {
  const bt = [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]] // Bᵀ: [4, 4]
  const gm = [[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]] // G: [4, 3]
  const at = [[1, 1, 1, 0], [0, 1, -1, -1]] // Aᵀ: [2, 4]
  const inputTransform = new Float32Array(16 * 16) // [ξ, 4i + j] = Bᵀ[a][i] · Bᵀ[b][j]
  const gradTransform = new Float32Array(16 * 4) // [ξ, 2p + q] = Aᵀ[p][a] · Aᵀ[q][b]
  const filterTransform = new Float32Array(16 * 9) // [ξ, 3u + v] = G[a][u] · G[b][v]
  for (let a = 0; a < 4; a++) {
    for (let b = 0; b < 4; b++) {
      const xi = 4 * a + b
      for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) inputTransform[xi * 16 + 4 * i + j] = bt[a]![i]! * bt[b]![j]!
      for (let p = 0; p < 2; p++) for (let q = 0; q < 2; q++) gradTransform[xi * 4 + 2 * p + q] = at[p]![a]! * at[q]![b]!
      for (let u = 0; u < 3; u++) for (let v = 0; v < 3; v++) filterTransform[xi * 9 + 3 * u + v] = gm[a]![u]! * gm[b]![v]!
    }
  }
  return { inputTransform, gradTransform, filterTransform }
})()
