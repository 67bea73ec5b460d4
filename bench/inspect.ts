/**
 * `npm run bench:inspect`: sustained live inspection with a full-size ResNet18 at 224 px on
 * CPU (weights generated at bench time: torchvision's random initialisation). A camera-like
 * stream (640×480 JPEG frames of synthetic parts, one every 1000/FPS ms, faster than the
 * engine) goes through the app's path: InspectionService -> pipeline (latest wins) ->
 * inspection worker thread -> history file. Prints sustained verdicts per second,
 * capture-to-verdict latency p50/p95, dropped frames, and, measured in the same run, the
 * engine's bare inference time so the pipeline's overhead shows as a ratio.
 *
 * Flags: --seconds N (default 60), --camera-fps N (default 30), --heatmap, --engine worker|local
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import sharp from 'sharp'
import { generateSyntheticSet } from '../tests/support/synthetic-defects'
import { buildResnet18Inference, initResnet18Weights } from '../electron/engine/models/resnet'
import { writeSafetensors } from '../electron/engine/models/safetensors'
import { createProject } from '../electron/store/project-store'
import { LocalInspectionEngine } from '../electron/services/inspection/local-engine'
import { storeModelLoader } from '../electron/services/inspection/manager'
import { InspectionService } from '../electron/services/inspection/service'
import { percentile } from '../electron/services/inspection/stats'
import { WorkerInspectionEngine } from '../electron/services/inspection/worker-engine'

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    'camera-fps': { type: 'string', default: '30' },
    heatmap: { type: 'boolean', default: false },
    engine: { type: 'string', default: 'worker' }
  }
})
const SECONDS = Number(values.seconds)
const CAMERA_FPS = Number(values['camera-fps'])
const SIZE = 224
const CLASSES = ['ok', 'scratch', 'spot', 'crack']

async function main(): Promise<void> {
  process.env.DEFECT_STUDIO_DATA_DIR ??= join(tmpdir(), 'bench-inspect-data')
  const root = await mkdtemp(join(tmpdir(), 'bench-inspect-'))
  try {
    console.log(`Inspection bench: ResNet18 width 1 (generated weights), ${SIZE} px, CPU, ${values.engine} engine, heatmap ${values.heatmap ? 'on' : 'off'}, camera ${CAMERA_FPS} fps, ${SECONDS} s`)
    const weights = initResnet18Weights({ numClasses: CLASSES.length, seed: 1 })
    const onnx = buildResnet18Inference({ numClasses: CLASSES.length, height: SIZE, batch: 'dynamic', weights, outputs: { probabilities: true } })
    const store = createProject(join(root, 'bench.dsproj'))
    store.classes.create({ name: 'ok', isGood: true })
    store.models.add({
      kind: 'classifier', architecture: 'resnet18', classes: CLASSES, onnx, weights: writeSafetensors(weights), metrics: {},
      config: { size: SIZE, fit: 'whole' }, dataFingerprint: 'bench', threshold: 0.5, activate: true
    })
    // Camera frames: 640x480 JPEGs of synthetic parts, decoded per frame like a real stream.
    const { files } = await generateSyntheticSet({ root: join(root, 'parts'), seed: 2, counts: { ok: 12, scratch: 4, spot: 4 }, width: 160, height: 120, colour: 'mixed' })
    const frames = await Promise.all(files.map(async (f) => sharp(await readFile(f.path)).resize(640, 480).jpeg({ quality: 90 }).toBuffer()))

    const loader = storeModelLoader(store)
    const engine = values.engine === 'local' ? new LocalInspectionEngine(loader) : new WorkerInspectionEngine(loader)
    const service = new InspectionService({ project: store, engine })
    service.updateSettings({ heatmap: values.heatmap === true, deadlineMs: 60_000, passSampleEvery: 0, retentionMaxMb: null, retentionDays: null })
    await service.start({ source: 'camera' })

    // Bare engine time, same engine, same frames, one at a time (no pipeline, no history).
    const bare: number[] = []
    for (let i = 0; i < 20; i++) {
      const t = performance.now()
      await engine.infer({ image: frames[i % frames.length]!, roi: null, heatmap: values.heatmap === true, models: service.models() })
      bare.push(performance.now() - t)
    }

    // How long this (the UI-side) thread is blocked: should stay small, the engine runs in its worker.
    const loopDelay = monitorEventLoopDelay({ resolution: 10 })
    loopDelay.enable()
    const eluStart = performance.eventLoopUtilization()
    const latencies: number[] = []
    let verdicts = 0
    let submitted = 0
    const started = performance.now()
    const end = started + SECONDS * 1000
    const pending: Array<Promise<unknown>> = []
    while (performance.now() < end) {
      const frame = frames[submitted++ % frames.length]!
      pending.push(
        service.submit({ image: frame, capturedAt: Date.now(), source: 'camera' }).then((o) => {
          if (!o.dropped) {
            verdicts++
            latencies.push(o.record.latencyMs)
          }
        })
      )
      await new Promise((r) => setTimeout(r, 1000 / CAMERA_FPS))
    }
    await Promise.all(pending)
    loopDelay.disable()
    const elu = performance.eventLoopUtilization(eluStart)
    const elapsed = (performance.now() - started) / 1000
    const stats = service.status().stats
    const p50 = percentile(latencies, 50)
    const p95 = percentile(latencies, 95)
    const bareP50 = percentile(bare.slice(5), 50)
    console.log(`frames offered   ${submitted} (${(submitted / elapsed).toFixed(1)} fps)`)
    console.log(`verdicts         ${verdicts} in ${elapsed.toFixed(1)} s = ${(verdicts / elapsed).toFixed(2)} fps sustained`)
    console.log(`dropped          ${stats.dropped} (latest wins)`)
    console.log(`latency          p50 ${p50.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms (capture to recorded verdict)`)
    console.log(`bare engine      p50 ${bareP50.toFixed(1)} ms per frame (decode + preprocess + inference)`)
    console.log(`pipeline/bare    ${(p50 / bareP50).toFixed(2)}x at p50`)
    console.log(`NO_VERDICT       ${stats.noVerdict}`)
    console.log(`main-thread lag  p50 ${(loopDelay.percentile(50) / 1e6).toFixed(1)} ms, p99 ${(loopDelay.percentile(99) / 1e6).toFixed(1)} ms (event-loop delay while inspecting), busy ${(elu.utilization * 100).toFixed(0)}% of the time`)
    console.log(`machine load     ${(await import('node:os')).loadavg()[0]!.toFixed(1)} (1-min load average on ${(await import('node:os')).cpus().length} cores)`)
    await service.close()
    await (engine as { release(): Promise<void> }).release()
    store.close()
  } finally {
    await rm(root, { recursive: true, force: true })
  }
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
