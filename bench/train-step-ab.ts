/**
 * One lever, measured alone: the training step built by the code in `--base` (a checkout of
 * the previous code, e.g. `git worktree add /tmp/base main`, with node_modules linked) and
 * by this tree, each in its own session in THIS process, stepped in alternation (A B A B …)
 * on the same random batch. Each step's CPU time is charged to the session that ran it, so
 * both sides see the same load; on a shared, loaded machine separate runs differ by ±10 %,
 * alternating steps by a few %. Either side may instead be this tree with other gradient
 * options (`--a-dw` / `--b-dw`, `--a-dx` / `--b-dx`).
 *
 *   npx tsx bench/train-step-ab.ts [--base DIR] [--freeze all-but-stem] [--steps 6] [--size 224] [--batch 32]
 *                                  [--width 1] [--channels 3|1] [--optimizer sgd|adamw]
 *                                  [--a-dw FORM] [--b-dw FORM] [--threads 2] [--profile]
 *                                  [--a-sdx|--b-sdx phases|conv-transpose] [--a-grad|--b-grad JSON of GradientOptions]
 *                                  [--a-mode|--b-mode sequential|parallel] [--a-intra N] [--b-intra N] [--a-inter N] [--b-inter N]
 *
 * --profile: onnxruntime's profiler on both sessions; prints the layers (phase) and op types
 * whose kernel time differs most between the sides (bench/step-profile.ts), to find where a
 * lever wins or loses.
 *
 * Prints CPU seconds per image of each side (mean over the alternating steps, after one
 * warm-up step each), the ratio B / A, the per-pair ratios, and whether the two sides'
 * losses agree.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import * as ort from 'onnxruntime-node'
import type { GradientOptions } from '../electron/engine/nn/layers'
import { detectNchwcBlock } from '../electron/engine/onnx/nchwc'
import * as current from '../electron/engine/train/train-step'
import { randomStepFeeds } from '../tests/unit/engine/train-step-feeds'
import { readProfile, summariseProfile, type ProfileRow } from './step-profile'

const { values } = parseArgs({
  options: {
    base: { type: 'string' },
    freeze: { type: 'string', default: 'all-but-stem' },
    steps: { type: 'string', default: '6' },
    size: { type: 'string', default: '224' },
    batch: { type: 'string', default: '32' },
    threads: { type: 'string', default: '2' },
    // The step's shape beyond size and batch: ResNet18 width, image channels (1 = the
    // one-channel stem), optimizer. The auto recipe on issue 14's benchmark trains
    // --width 0.25 --channels 1 --size 64 --freeze none --optimizer adamw.
    width: { type: 'string', default: '1' },
    channels: { type: 'string', default: '3' },
    optimizer: { type: 'string', default: 'sgd' },
    'a-dw': { type: 'string' },
    'b-dw': { type: 'string' },
    'a-dx': { type: 'string' },
    'b-dx': { type: 'string' },
    // stride-2 3×3 input gradients: 'phases' | 'conv-transpose' (GradientOptions.stridedInputGrad)
    'a-sdx': { type: 'string' },
    'b-sdx': { type: 'string' },
    // any other GradientOptions fields per side, as JSON (e.g. '{"dwWindow":"gather"}')
    'a-grad': { type: 'string' },
    'b-grad': { type: 'string' },
    // Session threading per side: 'sequential' (default) or 'parallel' (inter-op threads run
    // independent branches, e.g. a conv's dW and dX), and each side's thread counts.
    'a-mode': { type: 'string', default: 'sequential' },
    'b-mode': { type: 'string', default: 'sequential' },
    'a-intra': { type: 'string' },
    'b-intra': { type: 'string' },
    'a-inter': { type: 'string', default: '1' },
    'b-inter': { type: 'string', default: '1' },
    profile: { type: 'boolean', default: false }
  }
})
const size = Number(values.size)
const batch = Number(values.batch)
const steps = Number(values.steps)
const freeze = values.freeze as current.FreezePreset
const numClasses = 4
const width = Number(values.width)
const inputChannels = Number(values.channels) as 1 | 3
const optimizer = values.optimizer as 'sgd' | 'adamw'
if (inputChannels !== 1 && inputChannels !== 3) throw new Error(`--channels must be 1 or 3, got ${values.channels}`)
if (optimizer !== 'sgd' && optimizer !== 'adamw') throw new Error(`--optimizer must be sgd or adamw, got ${values.optimizer}`)
const nchwcBlock = await detectNchwcBlock()

type Build = typeof current.buildTrainStep
const baseBuild: Build = values.base
  ? ((await import(pathToFileURL(resolve(values.base, 'electron/engine/train/train-step.ts')).href)) as typeof current).buildTrainStep
  : current.buildTrainStep

function gradient(dw: string | undefined, dx: string | undefined, sdx?: string, json?: string): Partial<GradientOptions> {
  return {
    nchwcBlock,
    ...(json ? (JSON.parse(json) as Partial<GradientOptions>) : {}),
    ...(sdx ? { stridedInputGrad: sdx as GradientOptions['stridedInputGrad'] } : {}),
    ...(dw ? { convWeightGrad: dw as GradientOptions['convWeightGrad'] } : {}),
    ...(dx ? { convInputGrad: dx as GradientOptions['convInputGrad'] } : {})
  }
}

interface Threading {
  mode: 'sequential' | 'parallel'
  intra: number
  inter: number
}
function threading(which: 'a' | 'b'): Threading {
  return {
    mode: values[`${which}-mode`] as Threading['mode'],
    intra: Number(values[`${which}-intra`] ?? values.threads),
    inter: Number(values[`${which}-inter`])
  }
}

async function side(label: string, build: Build, grad: Partial<GradientOptions>, t: Threading) {
  const graph = build({ numClasses, width, inputChannels, size, batch, freeze, optimizer, gradient: grad })
  const profileDir = values.profile ? await mkdtemp(join(tmpdir(), 'ds-ab-profile-')) : undefined
  const session = await ort.InferenceSession.create(graph.model, {
    intraOpNumThreads: t.intra, interOpNumThreads: t.inter, executionMode: t.mode, graphOptimizationLevel: 'all',
    enableMemPattern: false, extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
    ...(profileDir ? { enableProfiling: true, profileFilePrefix: join(profileDir, 'step') } : {})
  })
  const inputs = randomStepFeeds(graph, { numClasses, width, channels: inputChannels, size, batch, lr: 1e-3, seed: 1 })
  let step = 0
  const losses: number[] = []
  return {
    label,
    cpu: [] as number[],
    /** Wall seconds of each measured step (parallel mode may trade CPU time for wall clock). */
    wall: [] as number[],
    losses,
    /** The profile's layers and op types, the warm-up step left out (--profile only). */
    async profile(): Promise<{ layers: ProfileRow[]; ops: ProfileRow[] } | undefined> {
      if (!profileDir) return undefined
      session.endProfiling()
      const file = (await readdir(profileDir)).find((f) => f.endsWith('.json'))
      if (!file) throw new Error(`onnxruntime wrote no profile into ${profileDir}`)
      const summary = summariseProfile(await readProfile(join(profileDir, file)), 1)
      await rm(profileDir, { recursive: true, force: true })
      return { layers: summary.byLayer, ops: summary.byPhaseOp }
    },
    async run(): Promise<{ cpu: number; wall: number }> {
      const started = performance.now()
      const before = process.cpuUsage()
      const out = await session.run(inputs.feeds(++step))
      const used = process.cpuUsage(before)
      losses.push((out[graph.outputs.loss]!.data as Float32Array)[0]!)
      inputs.advance(out)
      return { cpu: (used.user + used.system) / 1e6, wall: (performance.now() - started) / 1e3 }
    }
  }
}

const a = await side(values.base ? `base (${values.base})` : 'A', baseBuild, gradient(values['a-dw'], values['a-dx'], values['a-sdx'], values['a-grad']), threading('a'))
const b = await side('this tree', current.buildTrainStep, gradient(values['b-dw'], values['b-dx'], values['b-sdx'], values['b-grad']), threading('b'))
await a.run() // warm-up: the first run is ~1.7x a steady step
await b.run()
for (let s = 0; s < steps; s++) {
  // Swap the order every pair so neither side always runs right after the other.
  const [first, second] = s % 2 === 0 ? [a, b] : [b, a]
  for (const sd of [first, second]) {
    const t = await sd.run()
    sd.cpu.push(t.cpu)
    sd.wall.push(t.wall)
  }
}
const mean = (v: number[]) => v.reduce((x, y) => x + y, 0) / v.length
const perImage = (v: number[]) => mean(v) / batch
const pairs = a.cpu.map((t, i) => (b.cpu[i]! / t).toFixed(3))
const wallPairs = a.wall.map((t, i) => (b.wall[i]! / t).toFixed(3))
const lossGap = Math.max(...a.losses.map((l, i) => Math.abs(l - b.losses[i]!) / Math.max(Math.abs(l), 1e-12)))
console.log(
  JSON.stringify({
    freeze, size, batch, width, channels: inputChannels, optimizer, steps, load: (await import('node:os')).loadavg()[0],
    a: { label: a.label, options: gradient(values['a-dw'], values['a-dx'], values['a-sdx'], values['a-grad']), threading: threading('a'), cpuSecondsPerImage: perImage(a.cpu), wallSecondsPerImage: perImage(a.wall) },
    b: { label: b.label, options: gradient(values['b-dw'], values['b-dx'], values['b-sdx'], values['b-grad']), threading: threading('b'), cpuSecondsPerImage: perImage(b.cpu), wallSecondsPerImage: perImage(b.wall) },
    ratioBoverA: mean(b.cpu) / mean(a.cpu),
    pairRatios: pairs,
    wallRatioBoverA: mean(b.wall) / mean(a.wall),
    wallPairRatios: wallPairs,
    maxRelativeLossGap: lossGap,
    peakRssMb: process.resourceUsage().maxRSS / 1024
  })
)
console.log(`${freeze}: B/A CPU time ${(mean(b.cpu) / mean(a.cpu)).toFixed(3)} (pairs ${pairs.join(' ')}); A ${perImage(a.cpu).toFixed(4)}, B ${perImage(b.cpu).toFixed(4)} CPU s/img; wall B/A ${(mean(b.wall) / mean(a.wall)).toFixed(3)} (pairs ${wallPairs.join(' ')}); loss gap ${lossGap.toExponential(1)}`)
const [pa, pb] = [await a.profile(), await b.profile()]
if (pa && pb) {
  // Kernel ms per step of each row on both sides, largest differences first.
  const diff = (ra: ProfileRow[], rb: ProfileRow[]) => {
    const keys = new Set([...ra, ...rb].map((r) => r.key))
    const ms = (rows: ProfileRow[], k: string) => rows.find((r) => r.key === k)?.ms ?? 0
    return [...keys].map((k) => ({ k, a: ms(ra, k), b: ms(rb, k) })).sort((x, y) => Math.abs(y.b - y.a) - Math.abs(x.b - x.a)).slice(0, 15)
  }
  for (const [title, ra, rb] of [['layer (phase)', pa.layers, pb.layers], ['phase · op type', pa.ops, pb.ops]] as const) {
    console.log(`\n| ${title} | A ms/step | B ms/step | B − A |\n|---|---:|---:|---:|`)
    for (const r of diff(ra, rb)) console.log(`| ${r.k} | ${r.a.toFixed(1)} | ${r.b.toFixed(1)} | ${(r.b - r.a).toFixed(1)} |`)
  }
}
