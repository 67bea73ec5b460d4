/**
 * `npm run bench:train`: the trainer end to end (decode + augment + step, prefetching) on
 * generated images, ResNet18 at 224 px, batch 32, for the default freeze preset
 * (all-but-stem) and full fine-tuning (none), against PyTorch's step for the same preset
 * (bench/train-step-torch.py, same thread count, when /usr/bin/python3 has torch).
 *
 * Every measurement runs in its own child process: ours is bench/train-trainer-child.ts (the
 * whole training job on the generated project), PyTorch's the python script, so each peak
 * RSS is that process alone and the two are comparable. The sides alternate (ours first,
 * then PyTorch first) for `--repeats` rounds and the medians are compared; the load average
 * is printed beside every figure. The SGEMM roofline is measured before and after and the
 * fraction of it the trainer reached printed. The last line is JSON:
 *   { "all-but-stem": { "ours": { imagesPerSecond, cpuSecondsPerImage, peakRssMb, loadAverage, runs, … },
 *                       "torch": { … }, ratio, cpuRatio, memoryRatio, roofline }, "none": { … }, roofline, … }
 * Also the quick retrain on 1,000 images cold and with a warm embedding cache (in this
 * process), and with --parity both trainers train the same reduced model from the same
 * initial weights on the same synthetic set (scripts/reference/train_reference.py), their
 * validation accuracies printed side by side.
 *
 *   npx tsx bench/train.ts [--steps 3] [--threads 2] [--repeats 2] [--presets all-but-stem,none] [--skip-torch]
 *                          [--quick-images 1000] [--parity] [--skip-full] [--skip-quick]
 */
import { execFileSync } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { generateSyntheticSet } from '../tests/support/synthetic-defects'
import { createProject, type ProjectStore } from '../electron/store/project-store'
import { importImages } from '../electron/services/import-service'
import { runTrainingJob, type TrainJobOptions } from '../electron/engine/train/training-job'
import { projectTrainingData } from '../electron/services/training-data'
import { initResnet18Weights } from '../electron/engine/models/resnet'
import { writeSafetensors } from '../electron/engine/models/safetensors'
import { classCounts, classWeights } from '../electron/engine/train/class-weights'
import type { FreezePreset } from '../electron/engine/train/train-step'
import { measureSgemmGflops, stepFlopsPerImage } from './roofline'

const { values } = parseArgs({
  options: {
    steps: { type: 'string', default: '3' },
    threads: { type: 'string', default: '2' },
    'quick-images': { type: 'string', default: '1000' },
    parity: { type: 'boolean', default: false },
    'skip-full': { type: 'boolean', default: false },
    'skip-quick': { type: 'boolean', default: false },
    'parity-epochs': { type: 'string', default: '10' },
    repeats: { type: 'string', default: '2' },
    presets: { type: 'string', default: 'all-but-stem,none' },
    'skip-torch': { type: 'boolean', default: false }
  }
})
const steps = Number(values.steps)
const threads = Number(values.threads)
const repeats = Math.max(1, Number(values.repeats))
const batch = 32
const size = 224
const root = await mkdtemp(join(tmpdir(), 'ds-bench-train-'))
process.env.DEFECT_STUDIO_DATA_DIR = join(root, 'appdata') // random-init backbone, no downloads
const python = '/usr/bin/python3'

function hasTorch(): boolean {
  try {
    execFileSync(python, ['-c', 'import torch, torchvision'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}
const torchAvailable = !values['skip-torch'] && hasTorch()
if (!torchAvailable) console.log(values['skip-torch'] ? 'PyTorch skipped (--skip-torch): printing our numbers only.' : 'PyTorch not found (python3-torch, python3-torchvision): printing our numbers only.')

async function project(name: string, counts: Record<string, number>, opts: { width: number; height: number; valFraction: number }): Promise<{ store: ProjectStore; data: string; file: string }> {
  const data = join(root, name)
  await generateSyntheticSet({ root: data, seed: 1, counts, layout: 'imagefolder', colour: 'mixed', width: opts.width, height: opts.height, valFraction: opts.valFraction })
  const file = join(root, `${name}.dsproj`)
  const store = createProject(file)
  const report = await importImages(store, { kind: 'folder', folder: data })
  if (report.imported === 0) throw new Error('bench: import failed')
  return { store, data, file }
}

/** Load average (1 min) of the machine now: figures are only comparable at similar load. */
const load = (): number => Number(loadavg()[0]!.toFixed(2))

interface Side { imagesPerSecond: number; cpuSecondsPerImage: number; peakRssMb: number; loadAverage: number; stepImagesPerSecond?: number; startRssMb?: number; stepsPeakRssMb?: number }

/** Our trainer for one preset, in its own process (bench/train-trainer-child.ts). */
function oursRun(projectFile: string, freeze: FreezePreset): Side {
  const script = fileURLToPath(new URL('./train-trainer-child.ts', import.meta.url))
  const before = load()
  const out = execFileSync(process.execPath, ['--import', 'tsx', script, projectFile, freeze, String(threads), String(size), String(batch)], {
    encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, DEFECT_STUDIO_DATA_DIR: join(root, 'appdata') }, maxBuffer: 1 << 24
  })
  return { ...(JSON.parse(out.trim().split('\n').pop()!) as Side), loadAverage: (before + load()) / 2 }
}

/** PyTorch's step for one preset, in its own process, same threads, thread spinning off as ours. */
function torchRun(freeze: FreezePreset): Side {
  const script = fileURLToPath(new URL('./train-step-torch.py', import.meta.url))
  const before = load()
  const out = execFileSync(python, [script, String(size), String(batch), freeze, String(steps), String(threads)], {
    encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, OMP_WAIT_POLICY: 'PASSIVE' }
  })
  return { ...(JSON.parse(out.trim().split('\n').pop()!) as Side), loadAverage: (before + load()) / 2 }
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2
}
/** The median of each figure over the repeats (each run in its own process). */
function summarise(runs: Side[]): Side & { runs: Side[] } {
  const pick = (k: keyof Side) => (runs.every((r) => typeof r[k] === 'number') ? median(runs.map((r) => r[k] as number)) : undefined)
  return {
    imagesPerSecond: pick('imagesPerSecond')!,
    cpuSecondsPerImage: pick('cpuSecondsPerImage')!,
    peakRssMb: pick('peakRssMb')!,
    loadAverage: pick('loadAverage')!,
    ...(pick('stepImagesPerSecond') !== undefined ? { stepImagesPerSecond: pick('stepImagesPerSecond') } : {}),
    ...(pick('startRssMb') !== undefined ? { startRssMb: pick('startRssMb') } : {}),
    ...(pick('stepsPeakRssMb') !== undefined ? { stepsPeakRssMb: pick('stepsPeakRssMb') } : {}),
    runs
  }
}

const sgemmBefore = await measureSgemmGflops(threads)
const report: Record<string, unknown> = { size, batch, threads, steps, repeats, roofline: { sgemmGflops: sgemmBefore } }
console.log(`roofline: onnxruntime SGEMM ${sgemmBefore.toFixed(0)} GFLOP/s on ${threads} threads (measured now, load average ${load()})`)

if (!values['skip-full']) {
  // 32·(steps+1) training images: one warm-up step and `steps` timed ones.
  const train = batch * (steps + 1)
  const { store, file } = await project('full', { ok: Math.round((train - 16) / 0.8), scratch: 20 }, { width: 256, height: 256, valFraction: 0.2 })
  store.close()
  const presets = values.presets.split(',') as FreezePreset[]
  const runs = new Map<FreezePreset, { ours: Side[]; torch: Side[] }>(presets.map((p) => [p, { ours: [], torch: [] }]))
  // Alternate: ours then PyTorch, then PyTorch then ours, so a load change hits both sides.
  for (let r = 0; r < repeats; r++) {
    for (const freeze of presets) {
      const side = runs.get(freeze)!
      const order = r % 2 === 0 ? ['ours', 'torch'] : ['torch', 'ours']
      for (const who of order) {
        if (who === 'ours') side.ours.push(oursRun(file, freeze))
        else if (torchAvailable) side.torch.push(torchRun(freeze))
      }
    }
  }
  console.log(
    `method: ours = the trainer end to end (decode + augment + step; one epoch, its validation and checkpoint included) in a process of its own; ` +
      `PyTorch = its training step alone on one random batch in a process of its own; both batch ${batch}, ${size} px, ${threads} threads, thread spinning off, ` +
      `the same freeze preset and SGD momentum; speed over the ${steps} steps after one warm-up step (img/s wall clock, and CPU s per image); ` +
      `peak RSS = each process's own ru_maxrss, imports included`
  )
  const sgemmAfter = await measureSgemmGflops(threads)
  const sgemmGflops = (sgemmBefore + sgemmAfter) / 2
  report.roofline = { sgemmGflops, sgemmGflopsBefore: sgemmBefore, sgemmGflopsAfter: sgemmAfter }
  console.log(`roofline after the runs: ${sgemmAfter.toFixed(0)} GFLOP/s (load average ${load()}); the mean ${sgemmGflops.toFixed(0)} is the limit below`)
  for (const freeze of presets) {
    const side = runs.get(freeze)!
    const ours = summarise(side.ours)
    const torch = side.torch.length ? summarise(side.torch) : null
    const ratio = torch ? ours.imagesPerSecond / torch.imagesPerSecond : null
    const cpuRatio = torch ? torch.cpuSecondsPerImage / ours.cpuSecondsPerImage : null
    const memoryRatio = torch ? ours.peakRssMb / torch.peakRssMb : null
    const gflopPerImage = stepFlopsPerImage({ size, numClasses: 2, freeze }) / 1e9
    const roofline = { gflopPerImage, sgemmGflops, limitImagesPerSecond: sgemmGflops / gflopPerImage, fractionReached: (ours.imagesPerSecond * gflopPerImage) / sgemmGflops }
    report[freeze] = { ours, torch, ratio, cpuRatio, memoryRatio, roofline }
    console.log(
      `${freeze.padEnd(13)} trainer ${ours.imagesPerSecond.toFixed(1)} img/s (step alone ${ours.stepImagesPerSecond?.toFixed(1) ?? '?'}), ${ours.cpuSecondsPerImage.toFixed(3)} CPU s/img, peak RSS ${ours.peakRssMb.toFixed(0)} MB (${ours.stepsPeakRssMb?.toFixed(0) ?? '?'} until the last step)` +
        (torch
          ? ` | PyTorch step ${torch.imagesPerSecond.toFixed(1)} img/s, ${torch.cpuSecondsPerImage.toFixed(3)} CPU s/img, ${torch.peakRssMb.toFixed(0)} MB` +
            ` | speed ratio ours/torch ${ratio!.toFixed(2)} (by CPU time ${cpuRatio!.toFixed(2)}), memory ratio ${memoryRatio!.toFixed(2)}`
          : '') +
        ` | ${(roofline.fractionReached * 100).toFixed(0)} % of the SGEMM roofline (${gflopPerImage.toFixed(2)} GFLOP/img → ${roofline.limitImagesPerSecond.toFixed(1)} img/s) | load average ${ours.loadAverage.toFixed(1)}` +
        ` | medians of ${repeats} alternating runs, each in its own process`
    )
  }
}

if (!values['skip-quick']) {
  const n = Number(values['quick-images'])
  const { store } = await project('quick', { ok: Math.round(n * 0.9), scratch: n - Math.round(n * 0.9) }, { width: 128, height: 128, valFraction: 0.2 })
  const time = async (): Promise<{ seconds: number; cached: unknown; accuracy: number }> => {
    const t0 = performance.now()
    const out = await runTrainingJob(projectTrainingData(store), { mode: 'quick', size, seed: 0, threads })
    return { seconds: (performance.now() - t0) / 1000, cached: store.models.get(out.modelVersion!).config.embeddingsCached, accuracy: out.metrics!.accuracy }
  }
  const cold = await time()
  const warm = await time()
  report.quick = { images: n, cold, warm }
  console.log(`quick retrain, ${n} images at ${size} px: cold ${cold.seconds.toFixed(1)} s, warm cache ${warm.seconds.toFixed(1)} s (cached ${String(warm.cached)})`)
  store.close()
}

if (values.parity) {
  if (!torchAvailable) console.log('parity: skipped (no PyTorch)')
  else {
    // The synthetic test's recipe: reduced ResNet18 from random init, 64 px, 20:1 imbalance.
    const { store, data } = await project('parity', { ok: 300, scratch: 15, spot: 15 }, { width: 64, height: 64, valFraction: 0.2 })
    const width = 0.25
    const epochs = Number(values['parity-epochs'])
    const opts: TrainJobOptions = { mode: 'full', width, size: 64, batch: 32, epochs, freeze: 'none', optimizer: 'adamw', lr: 0.003, schedule: 'cosine', seed: 3, threads, patience: 0, augment: { randomResizedCrop: false, rotationDegrees: 0 } }
    const classes = ['ok', 'scratch', 'spot']
    const init = initResnet18Weights({ numClasses: classes.length, width, seed: 3 })
    const weightsFile = join(root, 'init.safetensors')
    await writeFile(weightsFile, writeSafetensors(init))
    const ours = await runTrainingJob(projectTrainingData(store), { ...opts, weightsFile })
    const labels = store.images.listLabelled().filter((r) => r.split === 'train').map((r) => r.classId - 1)
    const cw = classWeights(classCounts(labels, classes.length), 'auto').weights
    const script = fileURLToPath(new URL('../scripts/reference/train_reference.py', import.meta.url))
    const refOut = execFileSync(python, [script, '--data', data, '--classes', classes.join(','), '--weights', weightsFile, '--width', String(width), '--size', '64', '--batch', '32', '--epochs', String(epochs), '--lr', '0.003', '--optimizer', 'adamw', '--freeze', 'none', '--schedule', 'cosine', '--rotation', '0', '--class-weights', Array.from(cw).join(','), '--seed', '3', '--threads', String(threads)], { encoding: 'utf8', maxBuffer: 1 << 24 })
    const ref = JSON.parse(refOut.trim().split('\n').pop()!) as { valAccuracy: number; defectRecall: number; imagesPerSecond: number; bestEpoch: number }
    report.parity = { ours: { accuracy: ours.metrics!.accuracy, defectRecall: ours.metrics!.defectRecall, bestEpoch: ours.metrics!.bestEpoch, imagesPerSecond: ours.imagesPerSecond }, torch: ref }
    console.log(
      `parity (width ${width}, 64 px, ${epochs} epochs): ours accuracy ${(ours.metrics!.accuracy * 100).toFixed(1)}% / defect recall ${((ours.metrics!.defectRecall ?? 0) * 100).toFixed(1)}%, ` +
        `PyTorch ${(ref.valAccuracy * 100).toFixed(1)}% / ${(ref.defectRecall * 100).toFixed(1)}%; speed ours ${ours.imagesPerSecond.toFixed(1)} img/s vs ${ref.imagesPerSecond.toFixed(1)} (ratio ${(ours.imagesPerSecond / ref.imagesPerSecond).toFixed(2)})`
    )
    store.close()
  }
}

console.log(JSON.stringify(report))
await rm(root, { recursive: true, force: true })
