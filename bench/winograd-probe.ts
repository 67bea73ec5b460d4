/**
 * Probe: a 3×3 stride-1 pad-1 conv FORWARD as Winograd F(2×2, 3×3) in ONNX ops, against the
 * NCHWc conv the step uses, same inputs, alternating in one process (CPU time per run). The
 * weight gradient's Winograd form (electron/engine/nn/layers/winograd.ts) won; the forward
 * did not (electron/engine/train/README.md, "Session 8"), so this stays a probe.
 *   npx tsx bench/winograd-probe.ts [--layer layer1,layer2,layer3,layer4] [--forms …] [--rounds 3] [--runs 3]
 * Forms: nchwc (reference); wg-conv3d / wg-conv2d: input transform as a 3-D Conv over
 * [N, 1, C, H, W] or a 2-D Conv over [N·C, 1, H, W] + Transpose, GEMMs batched per sample;
 * -t variants: the GEMM with the tiles transposed (FusedMatMul transA); wg-depth: channels
 * and samples along the 3-D Conv's depth ([16, C, N·T²], one GEMM per tile position),
 * output transform MatMul + 6-D Transpose; wg-depth-ct: output as a 3-D ConvTranspose;
 * wg-depth2(-ct): wg-depth with the Conv padding (no Pad node) and the filter transform as
 * one FusedMatMul.
 */
import { parseArgs } from 'node:util'
import * as ort from 'onnxruntime-node'
import type { ConvLayer } from '../electron/engine/nn/ir'
import { conv } from '../electron/engine/nn/layers/conv'
import { detectNchwcBlock } from '../electron/engine/onnx/nchwc'
import { OnnxGraph } from '../electron/engine/onnx/graph'

const { values } = parseArgs({ options: { layer: { type: 'string', default: 'layer1,layer2,layer3,layer4' }, rounds: { type: 'string', default: '3' }, runs: { type: 'string', default: '3' }, batch: { type: 'string', default: '32' }, forms: { type: 'string', default: '' } } })
const n = Number(values.batch)
const SHAPES: Record<string, { c: number; h: number }> = { layer1: { c: 64, h: 56 }, layer2: { c: 128, h: 28 }, layer3: { c: 256, h: 14 }, layer4: { c: 512, h: 7 } }
const block = await detectNchwcBlock()

// F(2×2, 3×3): Y = Aᵀ [(G g Gᵀ) ⊙ (Bᵀ d B)] A
const BT = [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]]
const G = [[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]]
const AT = [[1, 1, 1, 0], [0, 1, -1, -1]]
/** [16, 1, 1, 4, 4] kernel: output ξ = 4a + b is Σ_{i,j} BT[a][i] BT[b][j] d[i][j]. */
function inputKernel(): Float32Array {
  const k = new Float32Array(16 * 16)
  for (let a = 0; a < 4; a++) for (let b = 0; b < 4; b++) for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) k[(4 * a + b) * 16 + 4 * i + j] = BT[a]![i]! * BT[b]![j]!
  return k
}
/** [9, 16]: g (taps u·3+v) → G g Gᵀ at ξ = 4a + b. */
function filterMatrix(): Float32Array {
  const m = new Float32Array(9 * 16)
  for (let a = 0; a < 4; a++) for (let b = 0; b < 4; b++) for (let u = 0; u < 3; u++) for (let v = 0; v < 3; v++) m[(3 * u + v) * 16 + 4 * a + b] = G[a]![u]! * G[b]![v]!
  return m
}
/** [4, 16]: ξ → output (p, q) = Σ AT[p][a] AT[q][b] m[4a + b]. */
function outputMatrix(): Float32Array {
  const m = new Float32Array(4 * 16)
  for (let p = 0; p < 2; p++) for (let q = 0; q < 2; q++) for (let a = 0; a < 4; a++) for (let b = 0; b < 4; b++) m[(2 * p + q) * 16 + 4 * a + b] = AT[p]![a]! * AT[q]![b]!
  return m
}

type Form = 'nchwc' | 'wg-conv3d' | 'wg-conv2d' | 'wg-conv3d-t' | 'wg-conv2d-t' | 'wg-depth' | 'wg-depth-ct' | 'wg-depth2' | 'wg-depth2-ct'
function build(c: number, h: number, form: Form): Uint8Array {
  const g = new OnnxGraph('probe')
  g.input('x', 'float32', [n, c, h, h])
  g.input('w', 'float32', [c, c, 3, 3])
  if (form === 'nchwc') {
    const layer: ConvLayer = { op: 'Conv', name: 'c', inputs: ['x'], output: 'y', weight: 'w', kernel: 3, stride: 1, pad: 1 }
    conv.forward(layer, { g, shapeOf: (v) => (v === 'x' ? [n, c, h, h] : [n, c, h, h]), batchStats: false, willBackprop: false, updateBuffer: () => {}, nchwcBlock: block })
    g.output('y', 'out', 'float32', [n, c, h, h])
    return g.toBytes()
  }
  const t = Math.ceil(h / 2)
  if (form.startsWith('wg-depth')) {
    // wg-depth2: the Conv pads (no Pad node) and the filter transform is one FusedMatMul (transB).
    const second = form.startsWith('wg-depth2')
    const k = n * t * t
    const xt = g.op1('Transpose', ['x'], { perm: [1, 0, 2, 3] }) // [C, N, H, W]
    const bt = g.constant('bt', { dtype: 'float32', shape: [16, 1, 1, 4, 4], data: inputKernel() })
    const edge = 2 * t + 1 - h
    const x5 = second
      ? g.op1('Reshape', [xt, g.i64([1, 1, c * n, h, h])])
      : g.op1('Reshape', [g.op1('Pad', [xt, g.i64([0, 0, 1, 1, 0, 0, edge, edge])]), g.i64([1, 1, c * n, 2 * t + 2, 2 * t + 2])])
    const u = g.op1('Reshape', [g.op1('Conv', [x5, bt], { kernel_shape: [1, 4, 4], strides: [1, 2, 2], pads: second ? [0, 1, 1, 0, edge, edge] : [0, 0, 0, 0, 0, 0] }), g.i64([16, c, k])]) // [16, C, N·T²]
    const taps = g.op1('Reshape', ['w', g.i64([c * c, 9])])
    let wt: string // [16, Co, C]
    if (second) {
      const fm = filterMatrix() // [9, 16] → [16, 9]
      const f16 = new Float32Array(16 * 9)
      for (let a = 0; a < 9; a++) for (let b = 0; b < 16; b++) f16[b * 9 + a] = fm[a * 16 + b]!
      wt = g.op1('Reshape', [g.op('FusedMatMul', [g.constant('f16', { dtype: 'float32', shape: [16, 9], data: f16 }), taps], { transB: 1 }, 1, 'com.microsoft')[0]!, g.i64([16, c, c])])
    } else {
      const gm = g.constant('gm', { dtype: 'float32', shape: [9, 16], data: filterMatrix() })
      wt = g.op1('Reshape', [g.op1('Transpose', [g.op1('MatMul', [taps, gm])], { perm: [1, 0] }), g.i64([16, c, c])])
    }
    const m = g.op1('MatMul', [wt, u]) // [16, Co, K]
    let y: string
    if (!form.endsWith('-ct')) {
      const am = g.constant('am', { dtype: 'float32', shape: [4, 16], data: outputMatrix() })
      const o = g.op1('MatMul', [am, g.op1('Reshape', [m, g.i64([16, c * k])])]) // [4, Co·K]
      const o6 = g.op1('Reshape', [o, g.i64([2, 2, c, n, t, t])])
      y = g.op1('Reshape', [g.op1('Transpose', [o6], { perm: [3, 2, 4, 0, 5, 1] }), g.i64([n, c, 2 * t, 2 * t])])
    } else {
      // ConvTranspose 3-D: [1, 16, Co·N, T, T] → [1, 1, Co·N, 2T, 2T]
      const ak = new Float32Array(16 * 4)
      const om = outputMatrix()
      for (let xi = 0; xi < 16; xi++) for (let pq = 0; pq < 4; pq++) ak[xi * 4 + pq] = om[pq * 16 + xi]!
      const akc = g.constant('ak', { dtype: 'float32', shape: [16, 1, 1, 2, 2], data: ak })
      const o = g.op1('ConvTranspose', [g.op1('Reshape', [m, g.i64([1, 16, c * n, t, t])]), akc], { kernel_shape: [1, 2, 2], strides: [1, 2, 2] })
      y = g.op1('Transpose', [g.op1('Reshape', [o, g.i64([c, n, 2 * t, 2 * t])])], { perm: [1, 0, 2, 3] })
    }
    if (2 * t !== h) y = g.op1('Slice', [y, g.i64([0, 0]), g.i64([h, h]), g.i64([2, 3])])
    g.output(y, 'out', 'float32', [n, c, h, h])
    return g.toBytes()
  }
  const hp = 2 * t + 2
  const extra = hp - h - 1
  const xp = g.op1('Pad', ['x', g.i64([0, 0, 1, 1, 0, 0, extra, extra])]) // [N, C, 2T+2, 2T+2]
  let u: string // [N, 16, C, T²]
  if (form.startsWith('wg-conv3d')) {
    const x5 = g.op1('Reshape', [xp, g.i64([n, 1, c, hp, hp])])
    const k = g.constant('bt', { dtype: 'float32', shape: [16, 1, 1, 4, 4], data: inputKernel() })
    const v = g.op1('Conv', [x5, k], { kernel_shape: [1, 4, 4], strides: [1, 2, 2], pads: [0, 0, 0, 0, 0, 0] }) // [N, 16, C, T, T]
    u = g.op1('Reshape', [v, g.i64([n, 16, c, t * t])])
  } else {
    const x4 = g.op1('Reshape', [xp, g.i64([n * c, 1, hp, hp])])
    const k = g.constant('bt', { dtype: 'float32', shape: [16, 1, 4, 4], data: inputKernel() })
    const v = g.op1('Conv', [x4, k], { kernel_shape: [4, 4], strides: [2, 2], pads: [0, 0, 0, 0] }) // [N·C, 16, T, T]
    u = g.op1('Transpose', [g.op1('Reshape', [v, g.i64([n, c, 16, t * t])])], { perm: [0, 2, 1, 3] })
  }
  const gm = g.constant('gm', { dtype: 'float32', shape: [9, 16], data: filterMatrix() })
  const wt = g.op1('MatMul', [g.op1('Reshape', ['w', g.i64([c * c, 9])]), gm]) // [K·C, 16]
  const am = g.constant('am', { dtype: 'float32', shape: [4, 16], data: outputMatrix() })
  let y: string
  if (!form.endsWith('-t')) {
    const wk = g.op1('Transpose', [g.op1('Reshape', [wt, g.i64([c, c, 16])])], { perm: [2, 0, 1] }) // [16, K, C]
    const m = g.op1('MatMul', [wk, u]) // [N, 16, K, T²]
    const o = g.op1('MatMul', [am, g.op1('Reshape', [m, g.i64([n, 16, c * t * t])])]) // [N, 4, K·T²]
    const o6 = g.op1('Reshape', [o, g.i64([n, 2, 2, c, t, t])])
    y = g.op1('Reshape', [g.op1('Transpose', [o6], { perm: [0, 3, 4, 1, 5, 2] }), g.i64([n, c, 2 * t, 2 * t])])
  } else {
    const wk = g.op1('Transpose', [g.op1('Reshape', [wt, g.i64([c, c, 16])])], { perm: [2, 1, 0] }) // [16, C, K]
    const m = g.op('FusedMatMul', [u, wk], { transA: 1 }, 1, 'com.microsoft')[0]! // [N, 16, T², K]
    const o = g.op1('MatMul', [am, g.op1('Reshape', [m, g.i64([n, 16, t * t * c])])]) // [N, 4, T²·K]
    const o6 = g.op1('Reshape', [o, g.i64([n, 2, 2, t, t, c])])
    y = g.op1('Reshape', [g.op1('Transpose', [o6], { perm: [0, 5, 3, 1, 4, 2] }), g.i64([n, c, 2 * t, 2 * t])])
  }
  if (2 * t !== h) y = g.op1('Slice', [y, g.i64([0, 0]), g.i64([h, h]), g.i64([2, 3])])
  g.output(y, 'out', 'float32', [n, c, h, h])
  return g.toBytes()
}

function random(count: number, seed: number): Float32Array {
  const a = new Float32Array(count)
  let s = seed >>> 0
  for (let i = 0; i < count; i++) { s = (s * 1664525 + 1013904223) >>> 0; a[i] = s / 2 ** 32 - 0.5 }
  return a
}
const forms = (values.forms || 'nchwc,wg-conv3d,wg-conv2d,wg-conv3d-t,wg-conv2d-t').split(',') as Form[]
for (const name of values.layer!.split(',')) {
  const { c, h } = SHAPES[name]!
  const feeds = { x: new ort.Tensor('float32', random(n * c * h * h, 1), [n, c, h, h]), w: new ort.Tensor('float32', random(c * c * 9, 2), [c, c, 3, 3]) }
  const sessions = []
  for (const f of forms) sessions.push(await ort.InferenceSession.create(build(c, h, f), { intraOpNumThreads: 2, interOpNumThreads: 1, graphOptimizationLevel: 'all', enableMemPattern: false, extra: { session: { intra_op: { allow_spinning: '0' } } } }))
  const reference = (await sessions[0]!.run(feeds)).out!.data as Float32Array
  for (let f = 1; f < forms.length; f++) {
    const got = (await sessions[f]!.run(feeds)).out!.data as Float32Array
    let maxDiff = 0, maxRef = 0
    for (let i = 0; i < got.length; i++) { maxDiff = Math.max(maxDiff, Math.abs(got[i]! - reference[i]!)); maxRef = Math.max(maxRef, Math.abs(reference[i]!)) }
    console.log(`${name} ${forms[f]}: max |Δ| / max |ref| = ${(maxDiff / maxRef).toExponential(2)}`)
  }
  const cpu = forms.map(() => 0), wall = forms.map(() => 0)
  const runs = Number(values.runs), rounds = Number(values.rounds)
  for (let r = 0; r < rounds; r++) for (let f = 0; f < forms.length; f++) {
    const t0 = performance.now(); const before = process.cpuUsage()
    for (let i = 0; i < runs; i++) await sessions[f]!.run(feeds)
    const used = process.cpuUsage(before)
    cpu[f] += (used.user + used.system) / 1000 / runs; wall[f] += (performance.now() - t0) / runs
  }
  console.log(`${name} (C ${c}, ${h}px): ` + forms.map((f, i) => `${f} ${(cpu[i]! / rounds).toFixed(1)} CPU ms (${(cpu[i]! / cpu[0]!).toFixed(2)}×, wall ${(wall[i]! / wall[0]!).toFixed(2)}×)`).join(', '))
  for (const s of sessions) await s.release()
}
