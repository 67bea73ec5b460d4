/**
 * Summarise an onnxruntime profile (`enableProfiling`, Chrome-trace JSON) of the training
 * step by op type, by phase and by layer. Node names carry their phase and layer
 * ('fwd/layer1.0.conv1/Conv_node_12', see OnnxGraph.scope); nodes that onnxruntime's graph
 * optimisers insert or rename without keeping a scope are reported as phase 'ort'.
 */
import { readFile } from 'node:fs/promises'

interface TraceEvent {
  cat?: string
  name?: string
  dur?: number
  args?: { op_name?: string }
}

export interface ProfileRow {
  key: string
  ms: number
  share: number
  calls: number
}

export interface ProfileSummary {
  runs: number
  /** Kernel time per step (sum of node kernel times / runs), ms. */
  kernelMsPerStep: number
  /** Wall time of a run as onnxruntime saw it (model_run), ms per step. */
  runMsPerStep: number
  byOpType: ProfileRow[]
  byPhase: ProfileRow[]
  byPhaseOp: ProfileRow[]
  byLayer: ProfileRow[]
}

/** Phase and layer of a node name written under a scope: 'bwd/layer1.0.conv1/…' → ['bwd', 'layer1.0.conv1']. */
export function scopeOf(nodeName: string): { phase: string; layer: string } {
  const parts = nodeName.split('/')
  if (parts.length < 3) return { phase: 'ort', layer: '(inserted by onnxruntime)' }
  return { phase: parts[0]!, layer: parts[1]! }
}

/** Phase names as printed. */
const PHASES: Record<string, string> = { fwd: 'forward', bwd: 'backward', loss: 'loss', opt: 'optimizer', ort: 'other (onnxruntime-inserted: layout reorders, fused nodes)' }

export function summariseProfile(events: TraceEvent[], skipRuns = 0): ProfileSummary {
  // Each model_run event closes one run; drop the first `skipRuns` runs (warm-up).
  const runEnds: number[] = []
  events.forEach((e, i) => {
    if (e.cat === 'Session' && e.name === 'model_run') runEnds.push(i)
  })
  const first = skipRuns > 0 && runEnds.length > skipRuns ? runEnds[skipRuns - 1]! + 1 : 0
  const runs = runEnds.length - (first > 0 ? skipRuns : 0)
  const runMs = runEnds.slice(first > 0 ? skipRuns : 0).reduce((a, i) => a + (events[i]!.dur ?? 0), 0) / 1000
  const add = (m: Map<string, { us: number; calls: number }>, key: string, us: number) => {
    const r = m.get(key) ?? { us: 0, calls: 0 }
    r.us += us
    r.calls++
    m.set(key, r)
  }
  const byOp = new Map<string, { us: number; calls: number }>()
  const byPhase = new Map<string, { us: number; calls: number }>()
  const byPhaseOp = new Map<string, { us: number; calls: number }>()
  const byLayer = new Map<string, { us: number; calls: number }>()
  let total = 0
  for (let i = first; i < events.length; i++) {
    const e = events[i]!
    if (e.cat !== 'Node' || !e.name?.endsWith('_kernel_time')) continue
    const us = e.dur ?? 0
    const node = e.name.slice(0, -'_kernel_time'.length)
    const op = e.args?.op_name ?? '?'
    const { phase, layer } = scopeOf(node)
    total += us
    add(byOp, op, us)
    add(byPhase, PHASES[phase] ?? phase, us)
    add(byPhaseOp, `${PHASES[phase] ?? phase} · ${op}`, us)
    if (phase !== 'ort') add(byLayer, `${layer} (${phase})`, us)
  }
  const rows = (m: Map<string, { us: number; calls: number }>): ProfileRow[] =>
    [...m.entries()]
      .map(([key, r]) => ({ key, ms: r.us / 1000 / Math.max(runs, 1), share: total > 0 ? r.us / total : 0, calls: r.calls / Math.max(runs, 1) }))
      .sort((a, b) => b.ms - a.ms)
  return {
    runs,
    kernelMsPerStep: total / 1000 / Math.max(runs, 1),
    runMsPerStep: runMs / Math.max(runs, 1),
    byOpType: rows(byOp),
    byPhase: rows(byPhase),
    byPhaseOp: rows(byPhaseOp),
    byLayer: rows(byLayer)
  }
}

export async function readProfile(file: string): Promise<TraceEvent[]> {
  return JSON.parse(await readFile(file, 'utf8')) as TraceEvent[]
}

/** Markdown tables (the same text goes into electron/engine/train/README.md). */
export function formatProfile(s: ProfileSummary, o: { topLayers?: number; topOps?: number } = {}): string {
  const table = (title: string, rows: ProfileRow[], limit = Infinity): string => {
    const shown = rows.slice(0, limit)
    const rest = rows.slice(limit)
    const lines = [`| ${title} | ms/step | share | nodes/step |`, '|---|---:|---:|---:|']
    for (const r of shown) lines.push(`| ${r.key} | ${r.ms.toFixed(1)} | ${(r.share * 100).toFixed(1)} % | ${r.calls.toFixed(0)} |`)
    if (rest.length > 0) {
      const ms = rest.reduce((a, r) => a + r.ms, 0)
      const share = rest.reduce((a, r) => a + r.share, 0)
      lines.push(`| (${rest.length} more) | ${ms.toFixed(1)} | ${(share * 100).toFixed(1)} % | ${rest.reduce((a, r) => a + r.calls, 0).toFixed(0)} |`)
    }
    return lines.join('\n')
  }
  return [
    `kernel time ${s.kernelMsPerStep.toFixed(0)} ms/step, run ${s.runMsPerStep.toFixed(0)} ms/step (onnxruntime model_run), ${s.runs} profiled steps`,
    '',
    table('phase', s.byPhase),
    '',
    table('op type', s.byOpType, o.topOps ?? 15),
    '',
    table('phase · op type', s.byPhaseOp, o.topOps ?? 15),
    '',
    table('layer (phase)', s.byLayer, o.topLayers ?? 20)
  ].join('\n')
}
