/**
 * `npm run bench:gpu`: the engine's GPU path, checked against CPU (issue 17 item 5).
 *
 * For the inference graph and the training step of each freeze preset it
 *  1. opens a session on the bundled WebGPU provider with CPU fallback switched OFF, so the
 *     session only opens if every node of the graph runs on the GPU (op coverage; when it
 *     fails, onnxruntime's message names the node it could not place),
 *  2. runs the same inputs on WebGPU and on CPU and prints the largest difference of every
 *     output relative to that output's largest magnitude (the loss, the logits, each updated
 *     parameter, optimizer state and BN statistic after one step),
 *  3. times both (images/s at the chosen batch and size).
 * Where the strict session does not open, the graph is run again with CPU fallback allowed,
 * so the figures still say what the mixed placement costs.
 *
 * The same script runs on a software Vulkan (Mesa's lavapipe: correctness and op coverage,
 * no meaningful speed) and on a GPU machine (scripts/gpu-check/run.sh carries it there).
 * fp16 is not measured: the engine builds fp32 graphs only (README, GPU section).
 *
 *   npx tsx bench/gpu-check.ts [--size 224] [--batch 32] [--width 1] [--steps 5]
 *                              [--presets none,all-but-stem] [--json FILE] [--quick]
 *
 * --quick: 64 px, batch 4, width 0.25, 2 timed steps (lavapipe runs it in about a minute).
 */
import { writeFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import * as ort from 'onnxruntime-node'
import { buildResnet18Inference, initResnet18Weights, seededRandom } from '../electron/engine/models/resnet'
import { stepGradientOptions } from '../electron/engine/train/step-session'
import { buildTrainStep, type FreezePreset } from '../electron/engine/train/train-step'
import { randomStepFeeds } from '../tests/unit/engine/train-step-feeds'

const { values } = parseArgs({
  options: {
    size: { type: 'string' },
    batch: { type: 'string' },
    width: { type: 'string' },
    steps: { type: 'string' },
    presets: { type: 'string', default: 'none,all-but-stem' },
    json: { type: 'string' },
    quick: { type: 'boolean', default: false }
  }
})
const quick = values.quick
const size = Number(values.size ?? (quick ? 64 : 224))
const batch = Number(values.batch ?? (quick ? 4 : 32))
const width = Number(values.width ?? (quick ? 0.25 : 1))
const steps = Number(values.steps ?? (quick ? 2 : 5))
const presets = values.presets.split(',') as FreezePreset[]
const numClasses = 4

type Feeds = Record<string, ort.Tensor>
type Outputs = ort.InferenceSession.OnnxValueMapType

interface Opened {
  session: ort.InferenceSession
  /** 'webgpu-only': every node on the GPU; 'webgpu+cpu': some nodes fell back to CPU. */
  placement: 'cpu' | 'webgpu-only' | 'webgpu+cpu'
  strictError: string | null
  openMs: number
}

async function open(model: Uint8Array, provider: 'cpu' | 'webgpu'): Promise<Opened> {
  const t0 = performance.now()
  if (provider === 'cpu') {
    const session = await ort.InferenceSession.create(model, { executionProviders: ['cpu'], graphOptimizationLevel: 'all' })
    return { session, placement: 'cpu', strictError: null, openMs: performance.now() - t0 }
  }
  try {
    const session = await ort.InferenceSession.create(model, {
      executionProviders: ['webgpu'],
      graphOptimizationLevel: 'all',
      extra: { session: { disable_cpu_ep_fallback: '1' } }
    })
    return { session, placement: 'webgpu-only', strictError: null, openMs: performance.now() - t0 }
  } catch (error) {
    const strictError = (error as Error).message.split('\n')[0]!.slice(0, 400)
    const session = await ort.InferenceSession.create(model, { executionProviders: ['webgpu', 'cpu'], graphOptimizationLevel: 'all' })
    return { session, placement: 'webgpu+cpu', strictError, openMs: performance.now() - t0 }
  }
}

/** Largest |a - b| over the largest |b| of each output (0 = identical). */
function relativeDifferences(gpu: Outputs, cpu: Outputs): Array<{ name: string; relDiff: number; maxAbs: number }> {
  const rows: Array<{ name: string; relDiff: number; maxAbs: number }> = []
  for (const name of Object.keys(cpu)) {
    const a = gpu[name]!.data as Float32Array
    const b = cpu[name]!.data as Float32Array
    let diff = 0
    let mag = 0
    for (let i = 0; i < b.length; i++) {
      diff = Math.max(diff, Math.abs(a[i]! - b[i]!))
      mag = Math.max(mag, Math.abs(b[i]!))
    }
    rows.push({ name, relDiff: mag > 0 ? diff / mag : diff, maxAbs: mag })
  }
  return rows.sort((x, y) => y.relDiff - x.relDiff)
}

async function timed(run: () => Promise<unknown>, n: number): Promise<number> {
  await run() // warm-up: shader compilation and the first allocation
  const t0 = performance.now()
  for (let i = 0; i < n; i++) await run()
  return (performance.now() - t0) / 1000 / n
}

interface Check {
  graph: string
  placement: Opened['placement']
  strictError: string | null
  worstRelDiff: number
  worstOutput: string
  worst: Array<{ name: string; relDiff: number }>
  lossCpu?: number
  lossGpu?: number
  imagesPerSecondGpu: number
  imagesPerSecondCpu: number
  openMsGpu: number
}

async function check(graph: string, model: Uint8Array, feeds: Feeds): Promise<Check> {
  const cpu = await open(model, 'cpu')
  const gpu = await open(model, 'webgpu')
  const outCpu = await cpu.session.run(feeds)
  const outGpu = await gpu.session.run(feeds)
  const diffs = relativeDifferences(outGpu, outCpu)
  const perImage = batch
  const secondsGpu = await timed(() => gpu.session.run(feeds), steps)
  const secondsCpu = await timed(() => cpu.session.run(feeds), Math.max(1, Math.min(steps, 2)))
  const loss = (o: Outputs) => (o.loss ? (o.loss.data as Float32Array)[0] : undefined)
  await cpu.session.release()
  await gpu.session.release()
  return {
    graph,
    placement: gpu.placement,
    strictError: gpu.strictError,
    worstRelDiff: diffs[0]?.relDiff ?? 0,
    worstOutput: diffs[0]?.name ?? '',
    worst: diffs.slice(0, 5).map((d) => ({ name: d.name, relDiff: d.relDiff })),
    lossCpu: loss(outCpu),
    lossGpu: loss(outGpu),
    imagesPerSecondGpu: perImage / secondsGpu,
    imagesPerSecondCpu: perImage / secondsCpu,
    openMsGpu: gpu.openMs
  }
}

const checks: Check[] = []
console.log(`GPU check: WebGPU vs CPU, ResNet18 width ${width}, ${size} px, batch ${batch}, ${steps} timed runs; onnxruntime-node ${ort.env.versions.common}`)

// Inference: the graph the Predictor builds (electron/engine/infer/predictor.ts), on
// torchvision-initialised weights with non-trivial BN statistics.
{
  const weights = initResnet18Weights({ numClasses, width, seed: 1 })
  const rng = seededRandom(2)
  for (const [name, t] of weights) {
    if (name.endsWith('running_mean') || name.endsWith('.bias')) for (let i = 0; i < t.data.length; i++) t.data[i] = rng.normal() * 0.1
    if (name.endsWith('running_var')) for (let i = 0; i < t.data.length; i++) t.data[i] = 0.5 + rng.uniform()
  }
  const model = buildResnet18Inference({ numClasses, width, height: size, batch: 'dynamic', weights, outputs: { probabilities: true, layer4: true } })
  const images = new ort.Tensor('float32', Float32Array.from({ length: batch * 3 * size * size }, () => rng.normal()), [batch, 3, size, size])
  const session = await ort.InferenceSession.create(model)
  const inputName = session.inputNames[0]!
  await session.release()
  checks.push(await check('inference', model, { [inputName]: images }))
}

for (const freeze of presets) {
  // The step as the trainer builds it for a GPU provider (plain convs, MaxPool backward
  // without Indices); the CPU reference runs the same graph.
  const graph = buildTrainStep({ numClasses, width, size, batch, freeze, optimizer: 'sgd', gradient: await stepGradientOptions('webgpu') })
  const inputs = randomStepFeeds(graph, { numClasses, width, size, batch, lr: 1e-3, seed: 1 })
  checks.push(await check(`train step (${freeze})`, graph.model, inputs.feeds(1) as Feeds))
}

for (const c of checks) {
  console.log(
    `${c.graph.padEnd(24)} ${c.placement.padEnd(11)} worst rel. diff ${c.worstRelDiff.toExponential(2)} (${c.worstOutput})` +
      `${c.lossCpu !== undefined ? `  loss cpu ${c.lossCpu.toFixed(6)} gpu ${c.lossGpu?.toFixed(6)}` : ''}` +
      `  img/s gpu ${c.imagesPerSecondGpu.toFixed(1)} cpu ${c.imagesPerSecondCpu.toFixed(1)}  (gpu session opened in ${c.openMsGpu.toFixed(0)} ms)`
  )
  if (c.strictError) console.log(`    not every node runs on WebGPU: ${c.strictError}`)
}
const report = { size, batch, width, steps, onnxruntime: ort.env.versions.common, checks }
if (values.json) await writeFile(values.json, JSON.stringify(report, null, 1))
console.log(JSON.stringify(report))
