/**
 * The in-graph filter reorders of the NCHWc convs (onnx/nchwc.ts) in isolation: each form as
 * its own graph (input W [Co, Ci, k, k], output the blocked filter), alternating rounds in
 * this process, CPU ms per run; every form is checked against the first of its group.
 *
 *   npx tsx bench/filter-reorder-probe.ts [--rounds 3] [--runs 10]
 */
import { parseArgs } from 'node:util'
import * as ort from 'onnxruntime-node'
import { detectNchwcBlock, reorderFilter, reorderFilterFast, transposedFilterBlocked } from '../electron/engine/onnx/nchwc'
import { OnnxGraph } from '../electron/engine/onnx/graph'

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '3' }, runs: { type: 'string', default: '10' } } })
const block = await detectNchwcBlock()
const shapes = [
  { name: 'layer1', co: 64, ci: 64 },
  { name: 'layer3', co: 256, ci: 256 },
  { name: 'layer4', co: 512, ci: 512 }
]
const k = 3

function flip(g: OnnxGraph, w: string, co: number, ci: number): string {
  const reversal = new Float32Array(k ** 4)
  for (let t = 0; t < k * k; t++) reversal[t * k * k + (k * k - 1 - t)] = 1
  const taps = g.op1('Reshape', [w, g.i64([co * ci, k * k])])
  return g.op1('Reshape', [g.op1('MatMul', [taps, g.constant('rev', { dtype: 'float32', shape: [k * k, k * k], data: reversal })]), g.i64([co, ci, k, k])])
}

function flipOld(g: OnnxGraph, w: string, co: number, ci: number): string {
  const reversal = new Float32Array(k ** 4)
  for (let t = 0; t < k * k; t++) reversal[t * k * k + (k * k - 1 - t)] = 1
  const taps = g.op1('Reshape', [w, g.i64([co * ci, k * k])])
  const reversed = g.op1('MatMul', [taps, g.constant('rev', { dtype: 'float32', shape: [k * k, k * k], data: reversal })])
  const flipped = g.op1('Transpose', [g.op1('Reshape', [reversed, g.i64([co, ci, k, k])])], { perm: [1, 0, 2, 3] })
  return reorderFilter(g, flipped, ci, co, k, block)
}

const forms: Record<string, (g: OnnxGraph, w: string, co: number, ci: number) => string> = {
  'fwd 6-D transpose': (g, w, co, ci) => reorderFilter(g, w, co, ci, k, block),
  'fwd fast': (g, w, co, ci) => reorderFilterFast(g, w, co, ci, k, block),
  'dx flip + 2 transposes': flipOld,
  'dx flip + reorder + block transpose': (g, w, co, ci) => transposedFilterBlocked(g, flip(g, w, co, ci), co, ci, k, block)
}

async function make(form: string, co: number, ci: number) {
  const g = new OnnxGraph('probe')
  g.input('w', 'float32', [co, ci, k, k])
  const out = forms[form]!(g, 'w', co, ci)
  g.output(out, 'out', 'float32', [co, ci, k, k])
  return ort.InferenceSession.create(g.toBytes(), { intraOpNumThreads: 2, interOpNumThreads: 1, extra: { session: { intra_op: { allow_spinning: '0' } } } })
}

for (const s of shapes) {
  const w = new ort.Tensor('float32', Float32Array.from({ length: s.co * s.ci * k * k }, () => Math.random()), [s.co, s.ci, k, k])
  const sessions = Object.fromEntries(await Promise.all(Object.keys(forms).map(async (f) => [f, await make(f, s.co, s.ci)] as const)))
  const cpu: Record<string, number[]> = {}
  const outs: Record<string, Float32Array> = {}
  for (let r = 0; r < Number(values.rounds); r++) {
    for (const f of Object.keys(forms)) {
      const before = process.cpuUsage()
      for (let i = 0; i < Number(values.runs); i++) outs[f] = (await sessions[f]!.run({ w })).out!.data as Float32Array
      const u = process.cpuUsage(before)
      ;(cpu[f] ??= []).push((u.user + u.system) / 1e3 / Number(values.runs))
    }
  }
  for (const f of Object.keys(forms)) {
    const ref = f.startsWith('fwd') ? outs['fwd 6-D transpose']! : outs['dx flip + 2 transposes']!
    const same = outs[f]!.every((v, i) => v === ref[i])
    console.log(`${s.name} ${f}: CPU ms ${cpu[f]!.map((v) => v.toFixed(2)).join(' ')}; ${same ? 'identical' : 'DIFFERENT'}`)
  }
}
