/**
 * One measurement for bench/train.ts, in its own process so its peak RSS is the trainer's
 * alone (imports, project store, decode cache, the step session), as bench/train-step-torch.py's
 * is PyTorch's alone. Opens the project bench/train.ts generated, runs one full-training epoch
 * (one warm-up step, then the timed ones: decode + augment + step end to end) and prints one
 * JSON line: { imagesPerSecond, stepImagesPerSecond, cpuSecondsPerImage, peakRssMb, stepsTimed,
 * startRssMb, stepsPeakRssMb (the peak until the last step, before validation and checkpoint) }.
 *
 *   node --import tsx bench/train-trainer-child.ts PROJECT.dsproj PRESET THREADS SIZE BATCH [on|off]
 *
 * The last argument forces the batch worker on or off (trainer.ts usesBatchWorker decides without it).
 */
import { readFileSync } from 'node:fs'
import { openProject } from '../electron/store/project-store'
import { runTrainingJob } from '../electron/engine/train/training-job'
import { projectTrainingData } from '../electron/services/training-data'
import type { FreezePreset } from '../electron/engine/train/train-step'

const [file, freeze, threadsArg, sizeArg, batchArg, workerArg] = process.argv.slice(2)
if (!file || !freeze) throw new Error('usage: train-trainer-child.ts PROJECT PRESET THREADS SIZE BATCH')
const threads = Number(threadsArg ?? 2)
const size = Number(sizeArg ?? 224)
const batch = Number(batchArg ?? 32)
const startRssMb = process.memoryUsage().rss / 1024 / 1024

const store = openProject(file)
const stamps: number[] = []
const cpu: number[] = []
/** VmHWM (peak RSS so far) in MB, from /proc (Linux); null elsewhere. */
const highWaterMb = (): number | null => {
  try {
    const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]
    return kb ? Number(kb) / 1024 : null
  } catch {
    return null
  }
}
let stepsPeakRssMb: number | null = null
const out = await runTrainingJob(projectTrainingData(store), { mode: 'full', recipe: 'seed', size, batch, epochs: 1, freeze: freeze as FreezePreset, optimizer: 'sgd', lr: 0.001, seed: 0, threads, resume: false, patience: 0, ...(workerArg ? { batchWorker: workerArg === 'on' } : {}) }, {
  onProgress: () => {
    stamps.push(performance.now())
    const u = process.cpuUsage()
    cpu.push((u.user + u.system) / 1e6)
    stepsPeakRssMb = highWaterMb()
  }
})
store.close()
// Steady state: from the end of the first (warm-up) step to the end of the last one, data
// loading included. CPU seconds per image (all threads) stays comparable on a shared machine.
const timed = stamps.length - 1
if (timed < 1) throw new Error(`bench: only ${stamps.length} step(s) ran; the project needs more training images`)
console.log(
  JSON.stringify({
    imagesPerSecond: (timed * batch) / ((stamps.at(-1)! - stamps[0]!) / 1000),
    stepImagesPerSecond: out.imagesPerSecond,
    cpuSecondsPerImage: (cpu.at(-1)! - cpu[0]!) / (timed * batch),
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    stepsTimed: timed,
    startRssMb,
    // The peak up to the last step's end, before the epoch's validation and checkpoint.
    stepsPeakRssMb
  })
)
