/**
 * `npm run bench:inspect-ui`: live inspection through the real UI. Browser mode serves a
 * temporary project; Debian's Chromium (playwright-core) opens the Inspect screen with a
 * fake camera playing a 640×480 y4m made here from synthetic parts; the bench starts
 * continuous inspection with the screen's own controls and measures what the operator sees:
 *
 * - verdicts/s sustained: distinct verdicts painted on screen per second, over a window
 *   that starts after a warm-up;
 * - capture to verdict on screen, p50/p95: each frame's capture time (taken by the screen
 *   when it grabs the frame) travels with the frame into the record, comes back in the
 *   verdict, and is read from the verdict element in the first animation frame after the
 *   element changed (the frame that paints it);
 * - dropped: camera frames the <video> presented in the window (requestVideoFrameCallback)
 *   that got no recorded verdict; the pipeline's own latest-wins drops are printed too.
 *
 * Models are tiny but real: a classifier (ResNet18 width 0.25, 64 px) trained by the CLI on
 * a generated set, and a PatchCore anomaly model fitted by the CLI on the good images; each
 * in its own project so each model is measured alone. Configurations: classifier and
 * anomaly, heatmap off and on. The last line is JSON for the slowest configuration (highest
 * p95), with every configuration under `configs`.
 *
 * Flags: --seconds N (window, default 20), --warmup N (default 5), --camera-fps N (default 30),
 *        --rate N (the screen's capture rate setting, default = camera fps),
 *        --model classifier|anomaly|both (default both), --heatmap on|off|both (default both),
 *        --size S (default 64), --width W (default 0.25), --profile-server DIR (V8 CPU profiles
 *        of the server's threads, one folder per model), --profile-page DIR (CPU profile of the
 *        page's main thread per configuration), --projects DIR (keep the trained projects there
 *        and reuse them in later runs with the same --size/--width/--rate: A/B runs then skip
 *        the training; each run inspects copies)
 * Needs the built app (the npm script builds first) and /usr/bin/chromium.
 */
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import { runCli } from '../electron/cli/index'
import { openProject } from '../electron/store/project-store'
import { generateSyntheticSet } from '../tests/support/synthetic-defects'
import { cameraChromiumArgs, CHROMIUM_PATH, openApp } from '../tests/e2e/support/browser'
import { startBrowserMode } from '../tests/e2e/support/serve'
import { writeY4m } from '../tests/e2e/support/y4m'
import { cpuDelta, descendantCpuMs } from './process-cpu'
import { PAGE_PROBE, type ProbeReport } from './inspect-ui-probe'
import { FRAME_STAGES, frameStages, type FrameStage } from '../shared/timing/frame-stages'

// The page's globals as far as the callbacks below use them (Node's types have no DOM).
declare const window: { __inspectBench: { begin(): void; end(): ProbeReport; watchVideo(): boolean } }
declare const document: { querySelector(selector: string): { textContent: string | null; checked?: boolean } | null }

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '5' },
    'camera-fps': { type: 'string', default: '30' },
    rate: { type: 'string' },
    model: { type: 'string', default: 'both' },
    heatmap: { type: 'string', default: 'both' },
    size: { type: 'string', default: '64' },
    width: { type: 'string', default: '0.25' },
    /** Write V8 CPU profiles of the server (main thread and workers) into this folder. */
    'profile-server': { type: 'string' },
    /** Write a CPU profile of the page's main thread (DevTools protocol) per configuration into this folder. */
    'profile-page': { type: 'string' },
    /** Trained projects kept here and reused by later runs (copied, so each run starts with an empty history). */
    projects: { type: 'string' }
  }
})
const SECONDS = Number(values.seconds)
const WARMUP = Number(values.warmup)
const CAMERA_FPS = Number(values['camera-fps'])
const RATE = Number(values.rate ?? CAMERA_FPS)
const SIZE = Number(values.size)
const WIDTH = Number(values.width)
const MODELS = values.model === 'both' ? (['classifier', 'anomaly'] as const) : ([values.model] as Array<'classifier' | 'anomaly'>)
const HEATMAPS = values.heatmap === 'both' ? [false, true] : [values.heatmap === 'on']

type ModelKind = 'classifier' | 'anomaly'

interface ConfigResult {
  verdictsPerSecond: number
  p50: number
  p95: number
  dropped: number
  heatmap: boolean
  model: ModelKind
  seconds: number
  painted: number
  /** Verdicts replaced by a newer one before the screen painted them. */
  superseded: number
  recorded: number
  cameraFrames: number
  pipelineDropped: number
  noVerdict: number
  /** The pipeline's own capture-to-recorded-verdict p50/p95 (main process), from the counters. */
  serverP50: number
  serverP95: number
  load1: number
  /** CPU milliseconds per recorded verdict in the window, per program (node = the server, chromium = the browser). */
  cpuMsPerVerdict: Record<string, number>
  /** Cores busy on average in the window, per program (CPU ms / wall ms). */
  coresUsed: Record<string, number>
  /** Frames the page sent in the window (binary WebSocket messages) and their mean size, KB. */
  framesSent: number
  frameKB: number
  /**
   * Capture to screen by stage (shared/timing/frame-stages.ts), p50/p95 ms over the painted
   * verdicts whose trace is complete (`traced` of them); `sum` is the stages added up per
   * frame (equals the capture-to-screen latency up to clock rounding).
   */
  stages: Record<FrameStage | 'sum', { p50: number; p95: number }>
  /**
   * The tail's make-up: each stage's mean (ms) over the slowest 5% of the traced frames (sum
   * at or above its p95), so the stages that make a slow frame slow show, not each stage's own tail.
   */
  tail: Record<FrameStage | 'sum', number>
  traced: number
  /** Time between two frames taken by the screen, p50/p95 ms (1000 / rate when the loop keeps up). */
  frameInterval: { p50: number; p95: number }
}

/** The trained projects in `root`: made there, or copied from --projects where an earlier run kept them. */
async function projectsIn(root: string): Promise<Record<ModelKind, string>> {
  const kept = values.projects ? join(values.projects, `size${SIZE}-width${WIDTH}-rate${RATE}`) : null
  if (kept && existsSync(join(kept, 'done'))) {
    await cp(kept, join(root, 'projects'), { recursive: true })
    console.log(`Projects: reused from ${kept} (trained by an earlier run).`)
    return { classifier: join(root, 'projects', 'classifier.dsproj'), anomaly: join(root, 'projects', 'anomaly.dsproj') }
  }
  const made = await makeProjects(join(root, 'projects'))
  if (kept) {
    await rm(kept, { recursive: true, force: true })
    await cp(join(root, 'projects'), kept, { recursive: true })
    await writeFile(join(kept, 'done'), '')
  }
  return made
}

async function makeProjects(root: string): Promise<Record<ModelKind, string>> {
  const cli = async (...argv: string[]): Promise<void> => {
    const out: string[] = []
    const err: string[] = []
    const code = await runCli(argv, { out: (l) => out.push(l), err: (l) => err.push(l) })
    if (code !== 0) throw new Error(`defect-studio ${argv.join(' ')} exited ${code}:\n${err.join('\n')}\n${out.slice(-5).join('\n')}`)
  }
  const common = ['--size', String(SIZE), '--width', String(WIDTH), '--fit', 'whole', '--threads', '2', '--json']
  const set = join(root, 'set')
  await generateSyntheticSet({ root: set, seed: 31, counts: { ok: 24, scratch: 8, spot: 8 }, width: 160, height: 120, colour: 'rgb' })
  const classifier = join(root, 'classifier.dsproj')
  await cli('import', '--project', classifier, '--from', set, '--json')
  await cli('train', '--project', classifier, '--epochs', '3', '--batch', '8', '--recipe', 'seed', '--freeze', 'none', '--seed', '1', ...common)
  const good = join(root, 'good')
  await generateSyntheticSet({ root: good, seed: 32, counts: { ok: 24 }, width: 160, height: 120, colour: 'rgb' })
  const anomaly = join(root, 'anomaly.dsproj')
  await cli('import', '--project', anomaly, '--from', good, '--json')
  await cli('train', '--project', anomaly, '--mode', 'anomaly', '--coreset', '0.1', ...common.filter((a, i, all) => a !== '--threads' && all[i - 1] !== '--threads'))
  for (const file of [classifier, anomaly]) {
    const store = openProject(file)
    try {
      // Continuous mode at the bench's rate, every frame inspected (the throughput being
      // measured; the default part-presence rule sends one frame per part); heatmap
      // switched with the screen's control.
      store.settings.set('inspection', {
        ...(store.settings.get<object | null>('inspection', null) ?? {}),
        rateHz: RATE,
        heatmap: false,
        triggerMode: 'continuous',
        continuousRule: 'every-frame'
      })
    } finally {
      store.close()
    }
  }
  return { classifier, anomaly }
}

async function counter(page: Page, id: string): Promise<number> {
  return Number(await page.getByTestId(id).textContent())
}

async function measure(page: Page, model: ModelKind, heatmap: boolean): Promise<ConfigResult> {
  const toggle = page.getByTestId('inspect-heatmap-toggle')
  if ((await toggle.isChecked()) !== heatmap) await toggle.setChecked(heatmap)
  await page.waitForFunction((want) => document.querySelector('[data-testid="inspect-heatmap-toggle"]')?.checked === want, heatmap)
  await page.getByTestId('inspect-source-camera').check()
  await page.getByTestId('inspect-start').click()
  await page.getByTestId('inspect-stop').waitFor({ state: 'visible', timeout: 60_000 })
  // Counting starts once verdicts flow and the warm-up has passed.
  await page.waitForFunction(() => Number(document.querySelector('[data-testid="count-inspected"]')?.textContent ?? 0) > 0, undefined, { timeout: 60_000 })
  await page.waitForTimeout(WARMUP * 1000)
  const before = { recorded: await counter(page, 'count-inspected'), dropped: await counter(page, 'count-dropped'), noVerdict: await counter(page, 'count-no-verdict') }
  await page.evaluate(() => window.__inspectBench.begin())
  const t0 = Date.now()
  const cpuBefore = descendantCpuMs()
  await page.waitForTimeout(SECONDS * 1000)
  const probe = await page.evaluate(() => window.__inspectBench.end())
  const elapsed = (Date.now() - t0) / 1000
  const cpu = cpuDelta(cpuBefore, descendantCpuMs())
  const after = { recorded: await counter(page, 'count-inspected'), dropped: await counter(page, 'count-dropped'), noVerdict: await counter(page, 'count-no-verdict') }
  const [serverP50, serverP95] = ((await page.getByTestId('count-latency').textContent()) ?? '').match(/\d+(\.\d+)?/g)?.map(Number) ?? [NaN, NaN]
  await page.getByTestId('inspect-stop').click()
  await page.getByTestId('inspect-start').waitFor({ state: 'visible', timeout: 60_000 })
  const latencies = probe.painted.map((p) => p.paintedAt - p.capturedAt).filter((v) => Number.isFinite(v))
  const recorded = after.recorded - before.recorded
  const breakdown = stageBreakdown(probe)
  return {
    verdictsPerSecond: round(probe.painted.length / elapsed, 2),
    p50: round(percentile(latencies, 50), 1),
    p95: round(percentile(latencies, 95), 1),
    dropped: Math.max(0, probe.cameraFrames - recorded),
    heatmap,
    model,
    seconds: round(elapsed, 1),
    painted: probe.painted.length,
    superseded: probe.superseded,
    recorded,
    cameraFrames: probe.cameraFrames,
    pipelineDropped: after.dropped - before.dropped,
    noVerdict: after.noVerdict - before.noVerdict,
    serverP50: serverP50 ?? NaN,
    serverP95: serverP95 ?? NaN,
    load1: round(loadavg()[0]!, 2),
    framesSent: probe.binarySent,
    frameKB: round(probe.binaryBytes / Math.max(1, probe.binarySent) / 1024, 1),
    coresUsed: Object.fromEntries(Object.entries(cpu).filter(([, v]) => v > 0).map(([k, v]) => [k, round(v / (elapsed * 1000), 2)])),
    cpuMsPerVerdict: Object.fromEntries(Object.entries(cpu).filter(([, v]) => v > 0).map(([k, v]) => [k, round(v / Math.max(1, recorded), 1)])),
    ...breakdown
  }
}

/** Per-stage p50/p95 of the painted verdicts, from the screen's frame traces joined by capture time. */
function stageBreakdown(probe: ProbeReport): Pick<ConfigResult, 'stages' | 'tail' | 'traced' | 'frameInterval'> {
  const byCapture = new Map(probe.traces.map((t) => [t.capturedAt, t]))
  const per: Record<string, number[]> = { sum: [] }
  for (const [name] of FRAME_STAGES) per[name] = []
  const frames: Array<Record<string, number>> = []
  let traced = 0
  for (const p of probe.painted) {
    const trace = byCapture.get(p.capturedAt)
    const stages = trace ? frameStages(trace, p.paintedEpoch) : null
    if (!stages) continue
    traced++
    let sum = 0
    for (const [name, ms] of Object.entries(stages)) {
      per[name]!.push(ms)
      sum += ms
    }
    per.sum!.push(sum)
    frames.push({ ...stages, sum })
  }
  const slowFrom = percentile(per.sum!, 95)
  const slow = frames.filter((f) => f.sum! >= slowFrom)
  const tail = Object.fromEntries(Object.keys(per).map((k) => [k, round(slow.reduce((n, f) => n + f[k]!, 0) / Math.max(1, slow.length), 1)])) as ConfigResult['tail']
  const stats = (v: number[]) => ({ p50: round(percentile(v, 50), 1), p95: round(percentile(v, 95), 1) })
  const first = probe.painted[0]?.capturedAt ?? 0
  const taken = probe.traces.filter((t) => t.capturedAt >= first).map((t) => t.taken).sort((a, b) => a - b)
  return {
    stages: Object.fromEntries(Object.entries(per).map(([k, v]) => [k, stats(v)])) as ConfigResult['stages'],
    tail,
    traced,
    frameInterval: stats(taken.slice(1).map((t, i) => t - taken[i]!))
  }
}

async function runModel(model: ModelKind, project: string, video: string, profileRoot: string): Promise<ConfigResult[]> {
  const profileDir = values['profile-server']
  const server = await startBrowserMode({ args: ['--project', project], ...(profileDir ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${join(profileDir, model)}`] } : {}) })
  let context: BrowserContext | null = null
  const pageErrors: string[] = []
  try {
    context = await chromium.launchPersistentContext(join(profileRoot, model), {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: cameraChromiumArgs(video),
      viewport: { width: 1400, height: 900 }
    })
    await context.addInitScript(PAGE_PROBE)
    const page = context.pages()[0] ?? (await context.newPage())
    page.on('pageerror', (e) => pageErrors.push(e.message))
    await openApp(page, server.url, '/inspect')
    await page.getByTestId('inspect-heatmap-toggle').waitFor({ state: 'visible', timeout: 60_000 })
    if (!(await page.evaluate(() => window.__inspectBench.watchVideo()))) {
      throw new Error('the Inspect screen has no video element (data-testid="inspect-video")')
    }
    const results: ConfigResult[] = []
    for (const heatmap of HEATMAPS) {
      const pageProfile = values['profile-page']
      const cdp = pageProfile ? await context.newCDPSession(page) : null
      if (cdp) {
        await cdp.send('Profiler.enable')
        await cdp.send('Profiler.start')
      }
      const r = await measure(page, model, heatmap)
      if (cdp && pageProfile) {
        const { profile } = await cdp.send('Profiler.stop')
        await mkdir(pageProfile, { recursive: true })
        await writeFile(join(pageProfile, `page-${model}-heatmap-${heatmap ? 'on' : 'off'}.cpuprofile`), JSON.stringify(profile))
      }
      print(r)
      results.push(r)
    }
    if (pageErrors.length) console.log(`page errors (${model}): ${pageErrors.slice(0, 5).join(' | ')}`)
    return results
  } catch (error) {
    console.error(`--- server stderr (${model}) ---\n${server.stderr().slice(-3000)}`)
    throw error
  } finally {
    await context?.close()
    await server.stop()
  }
}

function print(r: ConfigResult): void {
  console.log(
    `${r.model.padEnd(10)} heatmap ${r.heatmap ? 'on ' : 'off'}  ${r.verdictsPerSecond.toFixed(1).padStart(5)} verdicts/s  ` +
      `capture->screen p50 ${r.p50.toFixed(0)} ms p95 ${r.p95.toFixed(0)} ms  dropped ${r.dropped}/${r.cameraFrames} camera frames ` +
      `(pipeline latest-wins ${r.pipelineDropped}, NO_VERDICT ${r.noVerdict})  frames sent ${r.framesSent} of ${r.frameKB} KB  main-process p50/p95 ${r.serverP50}/${r.serverP95} ms  load ${r.load1}  CPU ms/verdict ${Object.entries(r.cpuMsPerVerdict).map(([k, v]) => `${k} ${v}`).join(', ')}; cores used ${Object.entries(r.coresUsed).map(([k, v]) => `${k} ${v}`).join(', ')}`
  )
  const cell = (name: string, s: { p50: number; p95: number }) => `${name} ${s.p50.toFixed(1)}/${s.p95.toFixed(1)}`
  console.log(
    `           stages p50/p95 ms (${r.traced} of ${r.painted} painted traced): ` +
      [...FRAME_STAGES.map(([name]) => cell(name, r.stages[name])), cell('= sum', r.stages.sum)].join('  ') +
      `  | frame interval ${r.frameInterval.p50.toFixed(1)}/${r.frameInterval.p95.toFixed(1)}`
  )
  console.log(`           slowest 5% (sum >= p95), mean ms: ${[...FRAME_STAGES.map(([name]) => `${name} ${r.tail[name].toFixed(1)}`), `= sum ${r.tail.sum.toFixed(1)}`].join('  ')}`)
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!
}

function round(v: number, digits: number): number {
  const f = 10 ** digits
  return Math.round(v * f) / f
}

async function main(): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'bench-inspect-ui-'))
  try {
    console.log(
      `Inspect-through-the-UI bench: browser mode + Chromium (${CHROMIUM_PATH}, headless, fake camera), ${cpus().length} cores, ` +
        `load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`
    )
    console.log(`Camera: 640×480 y4m at ${CAMERA_FPS} fps; screen capture rate ${RATE} Hz, continuous mode; window ${SECONDS} s after ${WARMUP} s warm-up.`)
    console.log(`Models: classifier ResNet18 width ${WIDTH} at ${SIZE} px trained by the CLI; PatchCore anomaly model (same backbone size) fitted by the CLI.`)
    console.log('Latency: capture time carried with the frame into its record, read from the verdict element at the first animation frame after it changed.')
    console.log('Dropped: camera frames presented by <video> in the window minus verdicts recorded in it.')
    console.log('CPU ms/verdict: CPU time of the server (node) and the browser (chromium) processes in the window / verdicts recorded (mostly load-independent, unlike the rates; fixed costs per second, such as playing the video, weigh more when fewer verdicts come).')
    console.log('Frames sent: binary WebSocket messages from the page in the window and their mean size (a prepared 64 px frame is 12 KB; a full 640×480 RGBA frame 1200 KB).')
    console.log(`Stages: each painted verdict's capture-to-screen time split by the screen's and the main process's stamps (shared/timing/frame-stages.ts): ${FRAME_STAGES.map(([n, what]) => `${n} = ${what}`).join('; ')}.`)
    const projects = await projectsIn(root)
    const parts = await generateSyntheticSet({ root: join(root, 'camera'), seed: 33, counts: { ok: 6, scratch: 1, spot: 1 }, width: 160, height: 120, colour: 'rgb' })
    const video = join(root, 'camera.y4m')
    // Each part stays in view for 6 frames (0.2 s at 30 fps); the file loops.
    await writeY4m(video, parts.files.map((f) => f.path), 6, { width: 640, height: 480, fps: CAMERA_FPS })
    const results: ConfigResult[] = []
    for (const model of MODELS) results.push(...(await runModel(model, projects[model], video, root)))
    // Slowest last: highest p95, then fewest verdicts per second.
    results.sort((a, b) => a.p95 - b.p95 || b.verdictsPerSecond - a.verdictsPerSecond)
    console.log(`target: >= 25 verdicts/s and p95 < 60 ms with heatmaps (${results.filter((r) => r.heatmap).every((r) => r.verdictsPerSecond >= 25 && r.p95 < 60) ? 'met' : 'NOT met'} here)`)
    const slowest = results[results.length - 1]!
    console.log(JSON.stringify({ ...slowest, configs: results }))
  } finally {
    await rm(root, { recursive: true, force: true })
  }
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
