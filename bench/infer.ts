/**
 * `npm run bench:infer`: full-size ResNet18 inference at 224 on CPU.
 *   ours:    onnxruntime-node, weights baked in (buildResnet18Inference), dynamic batch,
 *            the app's Predictor path; batch-1 latency p50/p95 and batch-32 images/s
 *   PyTorch: the same weights in torchvision's resnet18 with torch.set_num_threads equal
 *            to our intra-op threads (bench/infer_torch.py), when python3 has torch
 * Also the full-size parity check ("Done when"): the same image files through
 * `defect-studio predict` and through torchvision's transform + resnet18; max |Δlogit| printed.
 * Weights are generated here (initResnet18Weights + random BN statistics), never committed.
 * Options: --threads N (default: CPU count), --size S (default 224), --seed N, --int8 (also the
 * INT8 QDQ model of infer/int8.ts, calibrated on 32 random inputs: speed and logit drift only;
 * its accuracy check needs labelled images, see tests/unit/engine/int8.test.ts).
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import sharp from 'sharp'
import { Predictor } from '../electron/engine/infer/predictor'
import { initResnet18Weights, seededRandom } from '../electron/engine/models/resnet'
import { writeSafetensors } from '../electron/engine/models/safetensors'
import { runCli } from '../electron/cli/index'
import { forwardFlopsPerImage, measureSgemm } from './roofline'
import * as ort from 'onnxruntime-node'
import { buildResnet18Int8 } from '../electron/engine/infer/int8'

const { values } = parseArgs({ options: { threads: { type: 'string' }, size: { type: 'string' }, seed: { type: 'string' }, int8: { type: 'boolean', default: false } } })
const threads = Number(values.threads ?? cpus().length)
const size = Number(values.size ?? 224)
const seed = Number(values.seed ?? 1)

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!
}

/**
 * Batch-1 latency (30 runs after 5 warm-up) and batch-32 throughput (`runs` after one
 * warm-up), each with the CPU time this process used (all its threads) per image.
 */
async function measure(run: (x: Float32Array, n: number) => Promise<unknown>, x1: Float32Array, x32: Float32Array, runs: number) {
  for (let i = 0; i < 5; i++) await run(x1, 1)
  const lat: number[] = []
  let cpu0 = process.cpuUsage()
  for (let i = 0; i < 30; i++) {
    const t0 = performance.now()
    await run(x1, 1)
    lat.push(performance.now() - t0)
  }
  let cpu = process.cpuUsage(cpu0)
  const batch1CpuMs = (cpu.user + cpu.system) / 1000 / 30
  lat.sort((a, b) => a - b)
  await run(x32, 32)
  cpu0 = process.cpuUsage()
  const t32 = performance.now()
  for (let i = 0; i < runs; i++) await run(x32, 32)
  const seconds = (performance.now() - t32) / 1000
  cpu = process.cpuUsage(cpu0)
  return { p50: percentile(lat, 0.5), p95: percentile(lat, 0.95), batch1CpuMs, imagesPerSecond: (32 * runs) / seconds, cpuMsPerImage: (cpu.user + cpu.system) / 1000 / (32 * runs) }
}

function findTorchPython(): string | null {
  for (const py of ['python3', '/usr/bin/python3']) {
    const r = spawnSync(py, ['-c', 'import torch, torchvision'], { stdio: 'ignore' })
    if (r.status === 0) return py
  }
  return null
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'ds-bench-infer-'))
  try {
    // Weights: torchvision init plus non-trivial BN statistics so Conv+BN fusion is exercised.
    const weights = initResnet18Weights({ numClasses: 1000, width: 1, seed })
    const rng = seededRandom(seed + 1)
    for (const [name, t] of weights) {
      if (name.endsWith('running_mean') || name.endsWith('.bias')) for (let i = 0; i < t.data.length; i++) t.data[i] = rng.normal() * 0.1
      if (name.endsWith('running_var')) for (let i = 0; i < t.data.length; i++) t.data[i] = 0.5 + rng.uniform()
    }
    const weightsFile = join(dir, 'resnet18.safetensors')
    await writeFile(weightsFile, writeSafetensors(weights))

    // A few image files of odd sizes, colour and grey.
    const images: string[] = []
    for (let i = 0; i < 4; i++) {
      const w = 200 + 97 * i
      const h = 180 + 61 * i
      const r = seededRandom(seed + 10 + i)
      const px = Buffer.alloc(w * h * 3)
      for (let p = 0; p < px.length; p++) px[p] = Math.floor(((p % (w * 3)) / (w * 3)) * 200 + r.uniform() * 55)
      const file = join(dir, `img${i}.png`)
      const img = sharp(px, { raw: { width: w, height: h, channels: 3 } })
      await (i === 3 ? img.greyscale() : img).png().toFile(file)
      images.push(file)
    }

    const tCreate = performance.now()
    const predictor = await Predictor.create({ weights, numClasses: 1000, width: 1, size, provider: 'cpu', threads })
    const createMs = performance.now() - tCreate

    // Parity: the `defect-studio predict` command itself on the image files (fit crop =
    // torchvision's eval transform), run in-process.
    const cliOut: string[] = []
    const code = await runCli(['predict', '--weights', weightsFile, '--size', String(size), '--fit', 'crop', '--provider', 'cpu', ...images, '--json'], {
      out: (l) => cliOut.push(l),
      err: () => undefined
    })
    if (code !== 0) throw new Error(`predict failed: ${cliOut.join('\n')}`)
    const predicted = (JSON.parse(cliOut[0]!) as { results: Array<{ logits: number[] }> }).results
    const ours = { logits: Float32Array.from(predicted.flatMap((r) => r.logits)) }

    const x1 = new Float32Array(3 * size * size).map(() => rng.normal())
    const x32 = new Float32Array(32 * 3 * size * size).map(() => rng.normal())
    const runs = 3
    // The roofline right before and right after our measurements (their mean is the limit):
    // on a shared machine the SGEMM rate moves with the load, as ours does.
    const sgemmBefore = await measureSgemm(threads)
    const oursRow = await measure((x, n) => predictor.runBatch(x, n), x1, x32, runs)
    const sgemmAfter = await measureSgemm(threads)
    await predictor.release()
    const ips = oursRow.imagesPerSecond
    // The same model with intra-op spinning off (what the training step uses): batch-1 latency
    // pays the threads' wake-up; CPU time no longer includes busy-waiting.
    const quiet = await Predictor.create({ weights, numClasses: 1000, width: 1, size, provider: 'cpu', threads, spinning: false })
    const noSpinRow = await measure((x, n) => quiet.runBatch(x, n), x1, x32, runs)
    await quiet.release()
    let int8Row: { p50: number; imagesPerSecond: number; maxAbsLogitDiff: number } | undefined
    if (values.int8) {
      const { model } = await buildResnet18Int8({ weights, numClasses: 1000, size, calibration: x32, threads })
      const q = await ort.InferenceSession.create(model, { intraOpNumThreads: threads, interOpNumThreads: 1, logSeverityLevel: 3 })
      const fp = await Predictor.create({ weights, numClasses: 1000, width: 1, size, provider: 'cpu', threads })
      const x = x32.map(() => rng.normal())
      const ref = (await fp.runBatch(x, 32)).logits
      await fp.release()
      const feed32 = new ort.Tensor('float32', x, [32, 3, size, size])
      const got = (await q.run({ input: feed32 })).logits!.data as Float32Array
      let maxAbsLogitDiff = 0
      for (let i = 0; i < got.length; i++) maxAbsLogitDiff = Math.max(maxAbsLogitDiff, Math.abs(got[i]! - ref[i]!))
      const feed1 = new ort.Tensor('float32', x1, [1, 3, size, size])
      for (let i = 0; i < 5; i++) await q.run({ input: feed1 })
      const lat8: number[] = []
      for (let i = 0; i < 30; i++) {
        const t0 = performance.now()
        await q.run({ input: feed1 })
        lat8.push(performance.now() - t0)
      }
      lat8.sort((a, b) => a - b)
      const t0 = performance.now()
      for (let i = 0; i < runs; i++) await q.run({ input: feed32 })
      int8Row = { p50: percentile(lat8, 0.5), imagesPerSecond: (32 * runs) / ((performance.now() - t0) / 1000), maxAbsLogitDiff }
      await q.release()
      console.log(`ours INT8 (QDQ → QLinearConv): batch-1 p50 ${int8Row.p50.toFixed(1)} ms; batch-32 ${int8Row.imagesPerSecond.toFixed(1)} img/s (${(int8Row.imagesPerSecond / ips).toFixed(2)}× fp32); max |Δlogit| vs fp32 ${maxAbsLogitDiff.toFixed(3)}`)
    }
    const sgemmGflops = (sgemmBefore.gflops + sgemmAfter.gflops) / 2
    const sgemmPerCpuSecond = (sgemmBefore.gflopsPerCpuSecond + sgemmAfter.gflopsPerCpuSecond) / 2
    const gflopPerImage = forwardFlopsPerImage({ size, numClasses: 1000 }) / 1e9
    const roofline = {
      sgemmGflops,
      sgemmGflopsBefore: sgemmBefore.gflops,
      sgemmGflopsAfter: sgemmAfter.gflops,
      gflopPerImage,
      limitImagesPerSecond: sgemmGflops / gflopPerImage,
      fractionReached: (ips * gflopPerImage) / sgemmGflops,
      // Load-independent form: our GFLOP per CPU-second at batch 32 over SGEMM's.
      sgemmGflopsPerCpuSecond: sgemmPerCpuSecond,
      cpuFractionReached: gflopPerImage / (oursRow.cpuMsPerImage / 1000) / sgemmPerCpuSecond,
      cpuFractionReachedNoSpin: gflopPerImage / (noSpinRow.cpuMsPerImage / 1000) / sgemmPerCpuSecond
    }

    console.log(`ResNet18 ${size}×${size}, 1000 classes, CPU, ${threads} thread(s); session creation ${createMs.toFixed(0)} ms; load average ${loadavg()[0]!.toFixed(1)}`)
    console.log(`ours (onnxruntime-node, baked weights): batch-1 p50 ${oursRow.p50.toFixed(1)} ms, p95 ${oursRow.p95.toFixed(1)} ms, ${oursRow.batch1CpuMs.toFixed(1)} CPU ms; batch-32 ${ips.toFixed(1)} img/s, ${oursRow.cpuMsPerImage.toFixed(1)} CPU ms/img`)
    console.log(`ours, intra-op spinning off:             batch-1 p50 ${noSpinRow.p50.toFixed(1)} ms, p95 ${noSpinRow.p95.toFixed(1)} ms, ${noSpinRow.batch1CpuMs.toFixed(1)} CPU ms; batch-32 ${noSpinRow.imagesPerSecond.toFixed(1)} img/s, ${noSpinRow.cpuMsPerImage.toFixed(1)} CPU ms/img`)
    console.log(
      `roofline: onnxruntime SGEMM ${sgemmBefore.gflops.toFixed(0)} / ${sgemmAfter.gflops.toFixed(0)} GFLOP/s on ${threads} threads (right before / after ours; mean ${sgemmGflops.toFixed(0)}); ${gflopPerImage.toFixed(2)} GFLOP/image (2 FLOP per multiply-add) → limit ${roofline.limitImagesPerSecond.toFixed(1)} img/s; batch 32 reached ${(roofline.fractionReached * 100).toFixed(0)} %`
    )
    console.log(
      `roofline by CPU time: SGEMM ${sgemmPerCpuSecond.toFixed(0)} GFLOP per CPU-second; ours at batch 32 ${(gflopPerImage / (oursRow.cpuMsPerImage / 1000)).toFixed(0)} (${(roofline.cpuFractionReached * 100).toFixed(0)} %), spinning off ${(gflopPerImage / (noSpinRow.cpuMsPerImage / 1000)).toFixed(0)} (${(roofline.cpuFractionReachedNoSpin * 100).toFixed(0)} %)`
    )

    const py = findTorchPython()
    if (!py) {
      console.log('PyTorch: not installed (apt-get install python3-torch python3-torchvision); no ratios or parity check.')
      console.log(JSON.stringify({ bench: 'infer', size, threads, ours: oursRow, oursNoSpin: noSpinRow, roofline, int8: int8Row }))
      return
    }
    const out = execFileSync(py, [fileURLToPath(new URL('./infer_torch.py', import.meta.url)), weightsFile, String(threads), String(size), ...images], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
    const torchRow = JSON.parse(out.trim().split('\n').at(-1)!) as { torch: string; threads: number; p50: number; p95: number; imagesPerSecond: number; batch1CpuMs: number; cpuMsPerImage: number; logits: number[][] }
    console.log(`PyTorch ${torchRow.torch} (${torchRow.threads} threads):       batch-1 p50 ${torchRow.p50.toFixed(1)} ms, p95 ${torchRow.p95.toFixed(1)} ms, ${torchRow.batch1CpuMs.toFixed(1)} CPU ms; batch-32 ${torchRow.imagesPerSecond.toFixed(1)} img/s, ${torchRow.cpuMsPerImage.toFixed(1)} CPU ms/img`)
    console.log(
      `ratios (PyTorch / ours, >1 = we are faster): latency p50 ${(torchRow.p50 / oursRow.p50).toFixed(2)}×, p95 ${(torchRow.p95 / oursRow.p95).toFixed(2)}×; throughput (ours / PyTorch) ${(ips / torchRow.imagesPerSecond).toFixed(2)}×; by CPU time (PyTorch CPU ms / ours) batch 1 ${(torchRow.batch1CpuMs / oursRow.batch1CpuMs).toFixed(2)}×, batch 32 ${(torchRow.cpuMsPerImage / oursRow.cpuMsPerImage).toFixed(2)}×`
    )
    let maxAbs = 0
    let maxRef = 0
    let sameClass = 0
    torchRow.logits.forEach((row, i) => {
      let best = 0
      let bestOurs = 0
      row.forEach((v, k) => {
        const o = ours.logits[i * 1000 + k]!
        maxAbs = Math.max(maxAbs, Math.abs(o - v))
        maxRef = Math.max(maxRef, Math.abs(v))
        if (v > row[best]!) best = k
        if (o > ours.logits[i * 1000 + bestOurs]!) bestOurs = k
      })
      if (best === bestOurs) sameClass++
    })
    const ok = maxAbs / maxRef <= 1e-4
    console.log(
      `parity (full size, ${images.length} image files, \`defect-studio predict\` vs torchvision transform + resnet18): max |Δlogit| ${maxAbs.toExponential(2)} (max |logit| ${maxRef.toFixed(2)}, relative ${(maxAbs / maxRef).toExponential(2)}), same class ${sameClass}/${images.length} — ${ok ? 'OK' : 'MISMATCH'}`
    )
    console.log(JSON.stringify({ bench: 'infer', size, threads, roofline, int8: int8Row, ours: oursRow, oursNoSpin: noSpinRow, ratios: { p50: torchRow.p50 / oursRow.p50, imagesPerSecond: ips / torchRow.imagesPerSecond, batch1Cpu: torchRow.batch1CpuMs / oursRow.batch1CpuMs, batch32Cpu: torchRow.cpuMsPerImage / oursRow.cpuMsPerImage }, torch: { ...torchRow, logits: undefined }, parity: { maxAbs, relative: maxAbs / maxRef, sameClass, images: images.length, ok } }))
    if (!ok) process.exitCode = 1
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

void main()
