/**
 * Speed of one ResNet18 training step as an ONNX graph in onnxruntime-node vs the same step
 * in PyTorch (when /usr/bin/python3 has torch), same thread count, measured in the same run
 * and printed as ratios.
 *
 *   npx tsx bench/train-step.ts [--size 224] [--batch 32] [--freeze all-but-stem] [--steps 3]
 *                               [--threads 2] [--conv-dw by-shape|tap-matmul|per-sample|channels-first|dilated-conv]
 *                               [--conv-dx conv-transpose|flipped-conv] [--optimizer sgd|adamw]
 *                               [--profile] [--skip-torch] [--nchwc auto|off|8|16]
 *                               [--arena on|off] [--mem-pattern on|off] [--flat-update auto|on|off]
 *
 * --profile turns on onnxruntime's profiler for the timed steps and prints the kernel time
 * per phase (forward / backward / loss / optimizer), per op type and per layer
 * (bench/step-profile.ts); profiling adds a little overhead, so its images/s are not the
 * figure to quote.
 *
 * Besides images/s (wall clock) it reports CPU seconds per image, with thread spinning
 * off on both sides (ORT allow_spinning 0, OMP_WAIT_POLICY=PASSIVE): on a shared, loaded
 * machine the CPU-time ratio is the steadier comparison.
 */
import { execFileSync } from 'node:child_process'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import * as ort from 'onnxruntime-node'
import type { GradientOptions } from '../electron/engine/nn/layers'
import { detectNchwcBlock } from '../electron/engine/onnx/nchwc'
import { buildTrainStep, type FreezePreset } from '../electron/engine/train/train-step'
import { randomStepFeeds } from '../tests/unit/engine/train-step-feeds'
import { measureSgemmGflops, stepFlopsPerImage } from './roofline'
import { formatProfile, readProfile, summariseProfile, type ProfileSummary } from './step-profile'

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '224' },
    batch: { type: 'string', default: '32' },
    freeze: { type: 'string', default: 'all-but-stem' },
    steps: { type: 'string', default: '3' },
    threads: { type: 'string', default: '2' },
    'conv-dw': { type: 'string', default: 'by-shape' },
    'conv-dx': { type: 'string', default: 'conv-transpose' },
    optimizer: { type: 'string', default: 'sgd' },
    profile: { type: 'boolean', default: false },
    // --profile: rows of the op-type tables to print (the rest summed in one row)
    'top-ops': { type: 'string', default: '15' },
    nchwc: { type: 'string', default: 'auto' },
    arena: { type: 'string', default: 'on' },
    'mem-pattern': { type: 'string', default: 'off' }, // as the trainer's session
    // the optimizer update over one flat vector (engine/optim/flat-update.ts) or per parameter;
    // auto: the step's own default (flat up to FLAT_UPDATE_MAX_PARAMETERS trained parameters)
    'flat-update': { type: 'string', default: 'auto' },
    'skip-torch': { type: 'boolean', default: false }
  }
})
interface Measured { imagesPerSecond: number; cpuSecondsPerImage: number; peakRssMb: number }
const size = Number(values.size)
const batch = Number(values.batch)
const steps = Number(values.steps)
const threads = Number(values.threads)
const freeze = values.freeze as FreezePreset
const numClasses = 4
const nchwcBlock = values.nchwc === 'auto' ? await detectNchwcBlock() : values.nchwc === 'off' ? 0 : Number(values.nchwc)

async function onnxStep(): Promise<Measured & { buildMs: number; sessionMs: number; profile?: ProfileSummary }> {
  const t0 = performance.now()
  const graph = buildTrainStep({
    numClasses, size, batch, freeze, optimizer: values.optimizer as 'sgd' | 'adamw', flatUpdate: values['flat-update'] === 'auto' ? undefined : values['flat-update'] === 'on',
    gradient: { convWeightGrad: values['conv-dw'] as GradientOptions['convWeightGrad'], convInputGrad: values['conv-dx'] as 'conv-transpose' | 'flipped-conv', nchwcBlock }
  })
  const t1 = performance.now()
  const profileDir = values.profile ? await mkdtemp(join(tmpdir(), 'ds-step-profile-')) : undefined
  const session = await ort.InferenceSession.create(graph.model, {
    intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all',
    enableCpuMemArena: values.arena !== 'off', enableMemPattern: values['mem-pattern'] !== 'off',
    extra: { session: { intra_op: { allow_spinning: '0' } } },
    ...(profileDir ? { enableProfiling: true, profileFilePrefix: join(profileDir, 'step') } : {})
  })
  const t2 = performance.now()
  const inputs = randomStepFeeds(graph, { numClasses, size, batch, lr: 1e-3, seed: 1 })
  const run = async (step: number) => inputs.advance(await session.run(inputs.feeds(step)))
  await run(1) // warm-up (the first run is ~1.7x a steady step)
  const start = performance.now()
  const cpu = process.cpuUsage()
  for (let s = 0; s < steps; s++) await run(s + 2)
  const elapsed = (performance.now() - start) / 1000
  const used = process.cpuUsage(cpu)
  let profile: ProfileSummary | undefined
  if (profileDir) {
    session.endProfiling()
    const file = (await readdir(profileDir)).find((f) => f.endsWith('.json'))
    if (!file) throw new Error(`onnxruntime wrote no profile into ${profileDir}`)
    profile = summariseProfile(await readProfile(join(profileDir, file)), 1) // the warm-up run is left out
    await rm(profileDir, { recursive: true, force: true })
  }
  return {
    imagesPerSecond: (batch * steps) / elapsed,
    cpuSecondsPerImage: (used.user + used.system) / 1e6 / (batch * steps),
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    buildMs: t1 - t0,
    sessionMs: t2 - t1,
    profile
  }
}

function torchStep(): Measured | undefined {
  if (values['skip-torch']) return undefined
  try {
    const script = fileURLToPath(new URL('./train-step-torch.py', import.meta.url))
    const out = execFileSync('/usr/bin/python3', [script, String(size), String(batch), freeze, String(steps), String(threads)], {
      encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, OMP_WAIT_POLICY: 'PASSIVE' }
    })
    return JSON.parse(out.trim().split('\n').pop()!) as Measured
  } catch (error) {
    console.log(`PyTorch reference skipped (${(error as Error).message.split('\n')[0]}); install python3-torch python3-torchvision to compare.`)
    return undefined
  }
}

const sgemmGflops = await measureSgemmGflops(threads)
const ours = await onnxStep()
const torch = torchStep()
const { profile, ...onnx } = ours
const gflopPerImage = stepFlopsPerImage({ size, numClasses, freeze }) / 1e9
const roofline = { sgemmGflops, gflopPerImage, limitImagesPerSecond: sgemmGflops / gflopPerImage, fractionReached: (ours.imagesPerSecond * gflopPerImage) / sgemmGflops }
if (profile) console.log(`onnxruntime profile of the step (${freeze}, ${size}px, batch ${batch}, ${threads} threads):\n${formatProfile(profile, { topOps: Number(values['top-ops']) })}\n`)
console.log(JSON.stringify({ size, batch, freeze, steps, threads, convWeightGrad: values['conv-dw'], convInputGrad: values['conv-dx'], nchwcBlock, optimizer: values.optimizer, roofline, onnx, torch }, null, 1))
console.log(
  `roofline: onnxruntime SGEMM ${sgemmGflops.toFixed(0)} GFLOP/s on ${threads} threads (measured now); the step is ${gflopPerImage.toFixed(2)} GFLOP/image (conv + fc, 2 FLOP per multiply-add) → limit ${roofline.limitImagesPerSecond.toFixed(1)} img/s; reached ${(roofline.fractionReached * 100).toFixed(0)} %`
)
if (torch) {
  console.log(`images/s ratio onnx/torch: ${(ours.imagesPerSecond / torch.imagesPerSecond).toFixed(2)}`)
  console.log(`CPU-time speed ratio onnx/torch (torch CPU s per image / ours): ${(torch.cpuSecondsPerImage / ours.cpuSecondsPerImage).toFixed(2)}`)
  console.log(`peak RSS ratio onnx/torch: ${(ours.peakRssMb / torch.peakRssMb).toFixed(2)}`)
}
