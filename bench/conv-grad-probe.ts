/**
 * One conv layer's gradients in isolation: each formulation of dW / dX as its own small
 * graph (inputs X, W, dY; one output), run in alternating rounds in this process and
 * compared by CPU time per run (load-independent enough on a shared machine; see
 * electron/engine/train/README.md). Results are checked against the first formulation.
 *
 *   npx tsx bench/conv-grad-probe.ts [--want dw|dx|fwd] [--layer layer1,layer2,layer2.s2,layer3,layer3.s2,layer4,layer4.s2,stem,ds2,ds3,ds4|all]
 *                                    [--forms tap-matmul,per-sample,…] [--rounds 3] [--runs 3] [--batch 32] [--profile]
 *
 * --profile: afterwards, each form's kernel time per op type from onnxruntime's profiler
 * (wall ms per run, 3 runs), to see what a form spends besides its GEMMs.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import * as ort from 'onnxruntime-node'
import type { ConvLayer } from '../electron/engine/nn/ir'
import { conv } from '../electron/engine/nn/layers/conv'
import { DEFAULT_GRADIENT_OPTIONS, type GradientOptions } from '../electron/engine/nn/layers'
import { detectNchwcBlock } from '../electron/engine/onnx/nchwc'
import { OnnxGraph } from '../electron/engine/onnx/graph'
import { readProfile } from './step-profile'

const { values } = parseArgs({
  options: {
    layer: { type: 'string', default: 'all' },
    rounds: { type: 'string', default: '3' },
    runs: { type: 'string', default: '3' },
    batch: { type: 'string', default: '32' },
    want: { type: 'string', default: 'dw' },
    forms: { type: 'string', default: '' },
    profile: { type: 'boolean', default: false }
  }
})
const n = Number(values.batch)
const SHAPES: Record<string, { ci: number; co: number; h: number; k: number; s: number; p: number }> = {
  stem: { ci: 3, co: 64, h: 224, k: 7, s: 2, p: 3 },
  layer1: { ci: 64, co: 64, h: 56, k: 3, s: 1, p: 1 },
  layer2: { ci: 128, co: 128, h: 28, k: 3, s: 1, p: 1 },
  'layer2.s2': { ci: 64, co: 128, h: 56, k: 3, s: 2, p: 1 },
  layer3: { ci: 256, co: 256, h: 14, k: 3, s: 1, p: 1 },
  layer4: { ci: 512, co: 512, h: 7, k: 3, s: 1, p: 1 },
  'ds2': { ci: 64, co: 128, h: 56, k: 1, s: 2, p: 0 },
  'layer3.s2': { ci: 128, co: 256, h: 28, k: 3, s: 2, p: 1 },
  'layer4.s2': { ci: 256, co: 512, h: 14, k: 3, s: 2, p: 1 },
  'ds3': { ci: 128, co: 256, h: 28, k: 1, s: 2, p: 0 },
  'ds4': { ci: 256, co: 512, h: 14, k: 1, s: 2, p: 0 }
}
const block = await detectNchwcBlock()
type Form = { name: string; options: Partial<GradientOptions> }
const allForms: Record<string, Form[]> = {
  dw: [
    { name: 'tap-matmul', options: { convWeightGrad: 'tap-matmul' } },
    { name: 'tap-chunked', options: { convWeightGrad: 'tap-chunked' } },
    { name: 'winograd', options: { convWeightGrad: 'winograd' } },
    { name: 'per-sample', options: { convWeightGrad: 'per-sample' } },
    { name: 'channels-first', options: { convWeightGrad: 'channels-first' } },
    { name: 'phases', options: { convWeightGrad: 'phases' } },
    { name: 'dilated-conv', options: { convWeightGrad: 'dilated-conv' } }
  ],
  fwd: [
    { name: 'plain', options: { nchwcBlock: 0 } },
    { name: 'nchwc', options: { nchwcBlock: block } }
  ],
  dx: [
    { name: 'conv-transpose', options: { convInputGrad: 'conv-transpose', nchwcBlock: 0 } },
    { name: 'nchwc', options: { nchwcBlock: block, stridedInputGrad: 'conv-transpose' } },
    { name: 'phases', options: { nchwcBlock: block, stridedInputGrad: 'phases' } }
  ]
}

function build(shape: (typeof SHAPES)[string], form: Form, want: 'dw' | 'dx' | 'fwd'): Uint8Array {
  const g = new OnnxGraph('probe')
  const oh = Math.floor((shape.h + 2 * shape.p - shape.k) / shape.s) + 1
  const shapes = new Map<string, number[]>([
    ['x', [n, shape.ci, shape.h, shape.h]],
    ['w', [shape.co, shape.ci, shape.k, shape.k]],
    ['y', [n, shape.co, oh, oh]],
    ['dy', [n, shape.co, oh, oh]]
  ])
  g.input('x', 'float32', shapes.get('x')!)
  g.input('w', 'float32', shapes.get('w')!)
  g.input('dy', 'float32', shapes.get('dy')!)
  const layer: ConvLayer = { op: 'Conv', name: 'c', inputs: ['x'], output: 'y', weight: 'w', kernel: shape.k, stride: shape.s, pad: shape.p }
  if (want === 'fwd') {
    conv.forward(layer, { g, shapeOf: (v) => shapes.get(v)!, batchStats: false, willBackprop: false, updateBuffer: () => {}, nchwcBlock: form.options.nchwcBlock })
    g.output('y', 'out', 'float32', shapes.get('y')!)
    return g.toBytes()
  }
  const r = conv.backward(layer, 'dy', {
    g,
    shapeOf: (v) => shapes.get(v)!,
    saved: {},
    wantInputGrads: [want === 'dx'],
    wantParamGrads: want === 'dw',
    options: { ...DEFAULT_GRADIENT_OPTIONS, ...form.options }
  })
  const out = want === 'dw' ? r.params.get('w')! : r.inputs[0]!
  g.output(out, 'out', 'float32', want === 'dw' ? shapes.get('w')! : shapes.get('x')!)
  return g.toBytes()
}

function random(count: number, seed: number): Float32Array {
  const a = new Float32Array(count)
  let s = seed >>> 0
  for (let i = 0; i < count; i++) {
    s = (s * 1664525 + 1013904223) >>> 0
    a[i] = s / 2 ** 32 - 0.5
  }
  return a
}

const want = values.want as 'dw' | 'dx' | 'fwd'
const layers = values.layer === 'all' ? ['layer1', 'layer2', 'layer3', 'layer4'] : values.layer!.split(',')
const forms = allForms[want]!.filter((f) => !values.forms || values.forms.split(',').includes(f.name))
for (const name of layers) {
  const shape = SHAPES[name]!
  const oh = Math.floor((shape.h + 2 * shape.p - shape.k) / shape.s) + 1
  const feeds = {
    x: new ort.Tensor('float32', random(n * shape.ci * shape.h * shape.h, 1), [n, shape.ci, shape.h, shape.h]),
    w: new ort.Tensor('float32', random(shape.co * shape.ci * shape.k * shape.k, 2), [shape.co, shape.ci, shape.k, shape.k]),
    dy: new ort.Tensor('float32', random(n * shape.co * oh * oh, 3), [n, shape.co, oh, oh])
  }
  const sessions = await Promise.all(
    forms.map((f) => ort.InferenceSession.create(build(shape, f, want), { intraOpNumThreads: 2, interOpNumThreads: 1, graphOptimizationLevel: 'all', enableMemPattern: false, extra: { session: { intra_op: { allow_spinning: '0' } } } }))
  )
  const reference = (await sessions[0]!.run(feeds)).out!.data as Float32Array
  for (let f = 1; f < forms.length; f++) {
    const got = (await sessions[f]!.run(feeds)).out!.data as Float32Array
    let maxDiff = 0
    let maxRef = 0
    for (let i = 0; i < got.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(got[i]! - reference[i]!))
      maxRef = Math.max(maxRef, Math.abs(reference[i]!))
    }
    console.log(`${name} ${forms[f]!.name}: max |Δ| / max |ref| = ${(maxDiff / maxRef).toExponential(2)}`)
  }
  const cpu = forms.map(() => 0)
  const wall = forms.map(() => 0)
  const runs = Number(values.runs)
  for (let round = 0; round < Number(values.rounds); round++) {
    for (let f = 0; f < forms.length; f++) {
      const started = performance.now()
      const before = process.cpuUsage()
      for (let i = 0; i < runs; i++) await sessions[f]!.run(feeds)
      const used = process.cpuUsage(before)
      cpu[f] += (used.user + used.system) / 1000 / runs
      wall[f] += (performance.now() - started) / runs
    }
  }
  const base = cpu[0]! / Number(values.rounds)
  console.log(
    `${name} (${want}, Ci ${shape.ci} Co ${shape.co} ${shape.h}px k${shape.k} s${shape.s}): ` +
      forms.map((f, i) => `${f.name} ${(cpu[i]! / Number(values.rounds)).toFixed(1)} CPU ms (${((cpu[i]! / Number(values.rounds)) / base).toFixed(2)}×, wall ${(wall[i]! / wall[0]!).toFixed(2)}×)`).join(', ')
  )
  for (const s of sessions) await s.release()
  if (values.profile) for (const form of forms) console.log(`${name} ${form.name} kernel ms per run: ${await profileByOpType(build(shape, form, want), feeds)}`)
}

async function profileByOpType(model: Uint8Array, feeds: Record<string, ort.Tensor>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ds-conv-probe-'))
  const session = await ort.InferenceSession.create(model, { intraOpNumThreads: 2, interOpNumThreads: 1, graphOptimizationLevel: 'all', enableMemPattern: false, enableProfiling: true, profileFilePrefix: join(dir, 'probe'), extra: { session: { intra_op: { allow_spinning: '0' } } } })
  const runs = 3
  for (let i = 0; i < runs; i++) await session.run(feeds)
  session.endProfiling()
  await session.release()
  const file = (await readdir(dir)).find((f) => f.endsWith('.json'))!
  const byOp = new Map<string, number>()
  for (const e of await readProfile(join(dir, file))) {
    if (e.cat === 'Node' && e.name?.endsWith('_kernel_time') && e.args?.op_name) byOp.set(e.args.op_name, (byOp.get(e.args.op_name) ?? 0) + (e.dur ?? 0) / 1000 / runs)
  }
  await rm(dir, { recursive: true, force: true })
  return [...byOp].sort((a, b) => b[1] - a[1]).map(([op, ms]) => `${op} ${ms.toFixed(1)}`).join(', ')
}
