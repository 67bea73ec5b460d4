/**
 * Where the training step's memory peak is: onnxruntime saves the step graph as it runs it
 * (optimised, `optimizedModelFilePath`) and profiles one step (each kernel's output shapes,
 * in the order they ran); this walks the nodes in that order, allocating each output and
 * freeing each value after its last reader,
 * as the arena would without fragmentation. Prints the peak of live bytes, the node where it
 * happens and the largest values alive then. Graph inputs (fed from JS) and initializers are
 * not counted; graph outputs live to the end. Ops that only relabel a buffer (Reshape,
 * Squeeze, Unsqueeze, Flatten, Identity) share their input's bytes. In-place reuse that the
 * planner may do (element-wise ops) is not modelled, so this is an upper bound of the
 * activations' part of the peak; the arena's fragmentation comes on top.
 *
 *   npx tsx bench/step-liveness.ts [--freeze none] [--size 224] [--batch 32] [--top 12] [--base DIR]
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import * as ort from 'onnxruntime-node'
import { detectNchwcBlock } from '../electron/engine/onnx/nchwc'
import { onnxRoot } from '../electron/engine/onnx/onnx-proto'
import * as current from '../electron/engine/train/train-step'
import { randomStepFeeds } from '../tests/unit/engine/train-step-feeds'

const { values } = parseArgs({
  options: {
    freeze: { type: 'string', default: 'none' },
    size: { type: 'string', default: '224' },
    batch: { type: 'string', default: '32' },
    top: { type: 'string', default: '12' },
    base: { type: 'string' }
  }
})
const build: typeof current.buildTrainStep = values.base
  ? ((await import(pathToFileURL(resolve(values.base, 'electron/engine/train/train-step.ts')).href)) as typeof current).buildTrainStep
  : current.buildTrainStep
const nchwcBlock = await detectNchwcBlock()
const graph = build({ numClasses: 4, size: Number(values.size), batch: Number(values.batch), freeze: values.freeze as current.FreezePreset, optimizer: 'sgd', gradient: { nchwcBlock } })
const dir = await mkdtemp(join(tmpdir(), 'ds-liveness-'))
const file = join(dir, 'optimised.onnx')
const session = await ort.InferenceSession.create(graph.model, {
  graphOptimizationLevel: 'all', optimizedModelFilePath: file, intraOpNumThreads: 2, enableMemPattern: false,
  enableProfiling: true, profileFilePrefix: join(dir, 'profile'), extra: { session: { intra_op: { allow_spinning: '0' } } }
})
const feeds = randomStepFeeds(graph, { numClasses: 4, size: Number(values.size), batch: Number(values.batch), lr: 1e-3, seed: 1 })
await session.run(feeds.feeds(1))
session.endProfiling()
await session.release()
interface TraceEvent { cat?: string; name?: string; ts?: number; args?: { output_type_shape?: Array<Record<string, number[]>> } }
const trace = JSON.parse(await readFile(join(dir, (await readdir(dir)).find((f) => f.startsWith('profile'))!), 'utf8')) as TraceEvent[]
const ELEMENT: Record<string, number> = { float: 4, int64: 8, int32: 4, bool: 1, uint8: 1, int8: 1, double: 8, float16: 2 }
/** Node name → byte size of each output, and the order the kernels ran in. */
const outputBytes = new Map<string, number[]>()
const ran: string[] = []
for (const e of trace.filter((e) => e.cat === 'Node' && e.name?.endsWith('_kernel_time')).sort((a, b) => (a.ts ?? 0) - (b.ts ?? 0))) {
  const node = e.name!.slice(0, -'_kernel_time'.length)
  ran.push(node)
  outputBytes.set(node, (e.args?.output_type_shape ?? []).map((o) => Object.entries(o).reduce((a, [t, dims]) => a + dims.reduce((x, y) => x * y, 1) * (ELEMENT[t] ?? 4), 0)))
}

interface Dim { dim_value?: number | string }
interface ValueInfo { name: string; type?: { tensor_type?: { elem_type?: number; shape?: { dim?: Dim[] } } } }
interface Node { name?: string; op_type: string; input?: string[]; output?: string[] }
interface Graph { node: Node[]; input?: ValueInfo[]; output?: ValueInfo[]; value_info?: ValueInfo[]; initializer?: Array<{ name: string }> }
const ModelProto = onnxRoot().lookupType('onnx.ModelProto')
const model = ModelProto.toObject(ModelProto.decode(await readFile(file)), { longs: Number }) as { graph: Graph }
await rm(dir, { recursive: true, force: true })
const g = model.graph
// Run order from the profile (nodes that never showed a kernel, e.g. aliases, keep their place).
const position = new Map(ran.map((n, i) => [n, i]))
const sized = g.node.map((n, i) => ({ n, key: position.get(n.name ?? '') ?? (i === 0 ? -1 : NaN) }))
let lastKey = -1
for (const x of sized) { if (Number.isNaN(x.key)) x.key = lastKey + 1e-6; lastKey = x.key }
g.node = sized.sort((a, b) => a.key - b.key).map((x) => x.n)

const BYTES: Record<number, number> = { 1: 4, 2: 1, 3: 1, 6: 4, 7: 8, 9: 1, 10: 2, 11: 8 }
const sizeOf = new Map<string, number>()
for (const n of g.node) (n.output ?? []).forEach((o, k) => { const b = outputBytes.get(n.name ?? '')?.[k]; if (b !== undefined) sizeOf.set(o, b) })
for (const v of [...(g.value_info ?? []), ...(g.output ?? [])]) {
  const t = v.type?.tensor_type
  const dims = t?.shape?.dim?.map((d) => Number(d.dim_value ?? 0)) ?? []
  if (!sizeOf.has(v.name) && dims.every((d) => d > 0)) sizeOf.set(v.name, dims.reduce((a, b) => a * b, 1) * (BYTES[t?.elem_type ?? 1] ?? 4))
}
const external = new Set([...(g.input ?? []).map((v) => v.name), ...(g.initializer ?? []).map((t) => t.name)])
const outputs = new Set((g.output ?? []).map((v) => v.name))
const ALIAS = new Set(['Reshape', 'Squeeze', 'Unsqueeze', 'Flatten', 'Identity'])
const root = new Map<string, string>() // value → the buffer it lives in
const rootOf = (v: string): string => root.get(v) ?? v
const lastUse = new Map<string, number>()
g.node.forEach((n, i) => {
  for (const out of n.output ?? []) root.set(out, ALIAS.has(n.op_type) && n.input?.[0] ? rootOf(n.input[0]) : out)
  for (const inp of n.input ?? []) if (inp) lastUse.set(rootOf(inp), i)
})
for (const o of outputs) lastUse.set(rootOf(o), Infinity)
const live = new Map<string, number>()
let bytes = 0
let peak = { bytes: 0, node: -1, live: [] as Array<[string, number]> }
let unknown = 0
g.node.forEach((n, i) => {
  for (const out of n.output ?? []) {
    if (!out || rootOf(out) !== out || external.has(out)) continue
    const s = sizeOf.get(out)
    if (s === undefined) { unknown++; continue }
    live.set(out, s)
    bytes += s
  }
  if (bytes > peak.bytes) peak = { bytes, node: i, live: [...live.entries()] }
  for (const inp of n.input ?? []) {
    const r = rootOf(inp)
    if (lastUse.get(r) === i && live.has(r)) { bytes -= live.get(r)!; live.delete(r) }
  }
  for (const out of n.output ?? []) if (out && lastUse.get(out) === undefined && live.has(out)) { bytes -= live.get(out)!; live.delete(out) } // never read
})
const mb = (b: number) => (b / 2 ** 20).toFixed(1)
const at = g.node[peak.node]!
console.log(`${values.freeze}${values.base ? ` (${values.base})` : ''}: ${g.node.length} nodes; peak of live activations ${mb(peak.bytes)} MB at node ${peak.node} (${at.op_type} ${at.name ?? ''})${unknown ? `; ${unknown} values without a static size` : ''}`)
const top = peak.live.sort((a, b) => b[1] - a[1]).slice(0, Number(values.top))
for (const [name, s] of top) console.log(`  ${mb(s).padStart(7)} MB  ${name}`)
const rest = peak.live.slice(Number(values.top)).reduce((a, [, s]) => a + s, 0)
console.log(`  ${mb(rest).padStart(7)} MB  (${peak.live.length - top.length} more)`)
