import { readdir, readFile, stat } from 'node:fs/promises'
import { extname, join, resolve } from 'node:path'
import type { InspectionRecord, NoVerdictReason } from '../../../shared/contract/inspection'
import { noVerdictMessage } from '../../services/inspection/no-verdict-messages'
import { openProject, type ProjectStore } from '../../store/project-store'
import { int8Record, Int8RefusedError, quantiseClassifier } from '../../services/int8-model'
import { HOT_FOLDER_EXTENSIONS } from '../../services/inspection/hot-folder'
import { LocalInspectionEngine } from '../../services/inspection/local-engine'
import { storeModelLoader } from '../../services/inspection/manager'
import { toResultJson } from '../../services/inspection/result-json'
import { InspectionService } from '../../services/inspection/service'
import { optionalNumber, printJson, requireString, UsageError, type CliCommand, type CliIo } from '../command'
import { finishLine, LINE_OPTIONS, LINE_USAGE, linePatch, startLine } from './inspect-line'
import type { LineOutputs } from '../../services/line/line-outputs'

/**
 * `defect-studio inspect`: inspect image files with the project's active model(s), print
 * one line per image and record each inspection in the history like the Inspect screen
 * (partId, actor, model version, threshold; images of rejects kept; JSONL log and webhook
 * when configured). `--watch` keeps watching the folder as a hot folder until Ctrl+C.
 */
export const inspectCommand: CliCommand = {
  name: 'inspect',
  summary: 'Inspect images (a file, a folder, or a watched hot folder) and record the verdicts',
  usage: [
    'Usage: defect-studio inspect --project FILE --from DIR|FILE [--watch] [--json]',
    '         [--deadline-ms N] [--threshold T] [--move] [--operator NAME] [--threads N] [--int8]',
    '         [--mqtt URL [--mqtt-line NAME] [--mqtt-qos 0|1]] [--plc HOST:PORT [--plc-mode client|server]]',
    '',
    '  --from DIR|FILE   an image, or a folder of images (not recursive)',
    '  --watch           keep watching the folder; new files are inspected once complete',
    '  --deadline-ms N   a verdict later than N ms becomes NO_VERDICT (default: the project setting)',
    '  --threshold T     reject when the good class probability is below T (this run only)',
    '  --move            move inspected files to OK/ and NG/ (with --watch)',
    '  --operator NAME   recorded as the actor (default: the OS user)',
    '  --int8            run the classifier in INT8 (this run): calibrated on the training images and checked',
    '                    against fp32 on the validation images; refused (exit 2) when it loses > 0.5 point.',
    '                    "models int8 on" makes it the version\'s setting instead.',
    ...LINE_USAGE,
    '',
    'One line per image; with --json: {"file","verdict","class","scores","modelVersion","latencyMs","partId",...}.',
    'NO_VERDICT (engine error, deadline, no model, no good class) counts as a reject, with "reason" and "message".',
    'Exit code 0 when at least one image got a verdict, 2 when none did (e.g. no good class marked).'
  ].join('\n'),
  options: {
    project: { type: 'string' },
    from: { type: 'string' },
    watch: { type: 'boolean' },
    'deadline-ms': { type: 'string' },
    threshold: { type: 'string' },
    move: { type: 'boolean' },
    operator: { type: 'string' },
    threads: { type: 'string' },
    int8: { type: 'boolean' },
    ...LINE_OPTIONS
  },
  async run(args, io) {
    const projectFile = requireString(args, 'project')
    const from = resolve(requireString(args, 'from'))
    const deadlineMs = optionalNumber(args, 'deadline-ms', { min: 50, max: 600_000, integer: true })
    const threshold = optionalNumber(args, 'threshold', { min: 0, max: 1 })
    const threads = optionalNumber(args, 'threads', { min: 1, max: 256, integer: true })
    const watchMode = args.values.watch === true
    const info = await stat(from).catch(() => null)
    if (!info) throw new UsageError(`--from "${from}" does not exist`)
    if (watchMode && !info.isDirectory()) throw new UsageError('--watch needs a folder in --from')
    const line = linePatch(args)
    if (line?.plc?.enabled && watchMode) throw new UsageError('--plc inspects one image per PLC trigger; it cannot be combined with --watch')

    const store = openProject(projectFile)
    let loader = storeModelLoader(store)
    if (args.values.int8 === true) {
      const int8 = await int8ForThisRun(store, threads, io, args.json)
      if (!int8) {
        store.close()
        return 2
      }
      const base = loader
      loader = (version) => (version === int8.version ? { ...base(version), int8Ranges: int8.ranges } : base(version))
    }
    const engine = new LocalInspectionEngine(loader, { threads })
    const service = new InspectionService({ project: store, engine })
    const print = (record: InspectionRecord): void => printRecord(io, record, args.json)
    let outputs: LineOutputs | null = null
    try {
      const patch: Parameters<InspectionService['updateSettings']>[0] = {}
      if (deadlineMs !== undefined) patch.deadlineMs = deadlineMs
      if (threshold !== undefined) patch.thresholdOverride = threshold
      if (typeof args.values.operator === 'string') patch.operator = args.values.operator
      if (args.values.move === true) patch.moveToOkNg = true
      // Heatmaps are for screens; the CLI does not compute them.
      patch.heatmap = false
      // This run's flags apply to this run only; the project's settings stay as they are.
      service.updateSettings(patch, { persist: false })
      const models = service.models()
      if (!models.classifier && !models.anomaly && !args.json) {
        io.err(models.problem ? `Every image gets NO_VERDICT: ${models.problem.message}` : 'No active model in this project: every image gets NO_VERDICT. Train one, or "defect-studio models import".')
      }
      if (watchMode) {
        if (line) outputs = await startLine(store, service, line, io)
        return await watchFolder(service, from, print, io)
      }
      const files = info.isDirectory() ? await imagesIn(from) : [from]
      if (files.length === 0) throw new UsageError(`no images in "${from}" (looked for ${[...HOT_FOLDER_EXTENSIONS].join(' ')})`)
      await service.warmup()
      const reasons = new Map<string, number>()
      let decided = 0
      const tally = (record: InspectionRecord): void => {
        print(record)
        if (record.verdict !== 'NO_VERDICT') decided++
        else if (record.reason) reasons.set(record.reason, (reasons.get(record.reason) ?? 0) + 1)
      }
      if (line?.plc?.enabled) {
        outputs = await startLine(store, service, line, io, (partId) => inspectNext(partId))
        if (!args.json) io.err(`Waiting for PLC triggers on ${line.plc.host}:${line.plc.port} (${line.plc.mode}); ${files.length} images to inspect.`)
        const queue = [...files]
        let allDone: () => void = () => undefined
        const finished = new Promise<void>((resolveDone) => (allDone = resolveDone))
        const interrupt = (): void => allDone()
        process.once('SIGINT', interrupt)
        process.once('SIGTERM', interrupt)
        void finished.then(() => {
          process.off('SIGINT', interrupt)
          process.off('SIGTERM', interrupt)
        })
        // One image per PLC trigger; the run ends once the PLC has acknowledged the last one.
        const inspectNext = async (partId: string): Promise<InspectionRecord | null> => {
          const file = queue.shift()
          if (!file) return null
          const outcome = await service.submit({ image: await readFile(file), capturedAt: Date.now(), source: 'cli', file, triggered: true, partId })
          if (outcome.dropped) return null
          tally(outcome.record)
          if (queue.length === 0) void waitForAck(outputs!).then(allDone)
          return outcome.record
        }
        await finished
      } else {
        if (line) outputs = await startLine(store, service, line, io)
        for (const file of files) {
          const outcome = await service.inspectFile(file)
          if (!outcome.dropped) tally(outcome.record)
        }
      }
      if (decided > 0) return 0
      // Not one image got a verdict: a run that only rejects is a failure, not a result.
      for (const [reason, n] of reasons) io.err(`${n} of ${files.length} images got NO_VERDICT (${reason}): ${noVerdictMessage(reason as NoVerdictReason)}`)
      return 2
    } finally {
      if (outputs) await finishLine(outputs, io, args.json)
      await service.close()
      await engine.release()
      store.close()
    }
  }
}

/**
 * --int8: the active classifier's INT8 ranges, from its stored setting or calibrated and
 * checked now; null (after saying why) when INT8 is refused.
 */
async function int8ForThisRun(store: ProjectStore, threads: number | undefined, io: CliIo, json: boolean): Promise<{ version: number; ranges: Record<string, [number, number]> } | null> {
  const active = store.models.active('classifier')
  if (!active) throw new UsageError('--int8 needs an active classifier; train one first (defect-studio train)')
  const stored = int8Record(store, active.version)
  if (stored) return { version: active.version, ranges: stored.ranges }
  try {
    const { record } = await quantiseClassifier(store, { version: active.version, threads })
    if (!record.check.accepted) {
      const message = `INT8 refused for model version ${active.version}: ${record.check.reason}`
      if (json) printJson(io, { int8: false, refused: message, check: record.check })
      else io.err(message)
      return null
    }
    if (!json) io.err(`INT8 for this run: ${record.check.reason}`)
    return { version: active.version, ranges: record.ranges }
  } catch (error) {
    if (!(error instanceof Int8RefusedError)) throw error
    if (json) printJson(io, { int8: false, refused: error.message, check: error.check })
    else io.err(error.message)
    return null
  }
}

async function imagesIn(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true })
  return entries
    .filter((e) => e.isFile() && HOT_FOLDER_EXTENSIONS.has(extname(e.name).toLowerCase()))
    .map((e) => join(dir, e.name))
    .sort()
}

async function watchFolder(service: InspectionService, folder: string, print: (r: InspectionRecord) => void, io: CliIo): Promise<number> {
  const unsubscribe = subscribe(service, print)
  await service.start({ source: 'hot-folder', folder })
  io.err(`Watching ${folder} (Ctrl+C to stop)`)
  await new Promise<void>((resolveStop) => {
    const stop = (): void => {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      resolveStop()
    }
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
  })
  await service.stop()
  await service.whenIdle()
  unsubscribe()
  return 0
}

/** Print hot-folder results as they come (the service emits them). */
function subscribe(service: InspectionService, print: (r: InspectionRecord) => void): () => void {
  return service.onRecord(print)
}

function printRecord(io: CliIo, r: InspectionRecord, json: boolean): void {
  if (json) {
    printJson(io, toResultJson(r))
    return
  }
  const conf = r.confidence === null ? '' : ` ${(r.confidence * 100).toFixed(1)}%`
  const why = r.reason ? ` (${r.reason}: ${noVerdictMessage(r.reason)})` : ''
  io.out(`${r.verdict.padEnd(10)} ${r.file ?? ''}  ${r.className ?? '-'}${conf}${why}  model v${r.modelVersion ?? '-'}  ${r.latencyMs.toFixed(0)} ms  part ${r.partId}`)
}

/** After the last image: wait until the PLC acknowledged its result (or the handshake faulted). */
async function waitForAck(line: LineOutputs): Promise<void> {
  for (;;) {
    await new Promise((r) => setTimeout(r, 20))
    const plc = line.status().plc
    if (plc.counters.pending === 0 || plc.state === 'fault') return
  }
}
