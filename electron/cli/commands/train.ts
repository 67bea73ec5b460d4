import { openProject } from '../../store/project-store'
import { runTrainingJob, type TrainJobOptions, type TrainOutcome } from '../../engine/train/training-job'
import { projectTrainingData } from '../../services/training-data'
import { optionalNumber, printJson, requireString, UsageError, type CliCommand, type CliIo, type ParsedArgs } from '../command'
import { describeOperatingPoint } from '../../engine/train/operating-point'
import { TrainSettings } from '../../../shared/contract/settings'
import { OperatingPointRequest } from '../../../shared/contract/training'
import { numberLimits } from '../../../shared/contract/schema-limits'
import { ANOMALY_TRAIN_OPTIONS, ANOMALY_TRAIN_USAGE, runAnomalyTrain } from './anomaly-mode'

/**
 * `defect-studio train`: trains in this process (a CLI has no window to keep responsive;
 * the app trains in the engine worker instead). With --json every progress event is one
 * JSON line and the last line is `{ event: 'done', modelVersion, activated, metrics, imagesPerSecond }`
 * (docs/decisions.md, CLI JSON). Ctrl+C cancels at the next step; the last finished epoch's
 * checkpoint stays in the project and the next `train` with the same settings resumes it.
 *
 * Modes dispatch through `trainModes`: 'full' and 'quick' here; 'anomaly' lives in its own
 * module (anomaly-mode.ts), keeping this file free of its logic.
 */

export type TrainModeRunner = (args: ParsedArgs, io: CliIo) => Promise<number>

export const trainModes: Record<string, TrainModeRunner> = {
  full: (args, io) => runClassifierTraining('full', args, io),
  quick: (args, io) => runClassifierTraining('quick', args, io),
  // Anomaly mode (PatchCore, good images only): electron/cli/commands/anomaly-mode.ts
  anomaly: runAnomalyTrain
}

export const trainCommand: CliCommand = {
  name: 'train',
  summary: 'Train a classifier on the labelled images (full fine-tuning or quick head-only)',
  usage: [
    'Usage: defect-studio train --project FILE [--mode full|quick|anomaly] [--epochs N] [--batch B] [--size S]',
    '         [--freeze head|last-stage|all-but-stem|none] [--lr X] [--optimizer sgd|adamw]',
    '         [--weights FILE] [--seed K] [--fit crop|whole] [--recipe auto|seed] [--fresh] [--json]',
    '         [--missed-defect-rate R | --false-reject-rate R]',
    '',
    '  --missed-defect-rate R   choose the PASS threshold on the validation images so that at most R',
    '              of the defects pass (default 0.01, or the project\'s training.operatingPoint)',
    '  --false-reject-rate R    instead: at most R of the good parts are rejected',
    '  --recipe    auto (default): settings chosen from the data, with a learning-rate range test;',
    '              seed: torchvision\'s fine-tuning recipe (SGD 0.001, StepLR 7/0.1, random crops).',
    '              Options given here override the auto recipe\'s choices; `--json` prints them with why.',
    '  --mode      full (default): fine-tune the network; quick: train only the head on cached backbone features',
    '  --freeze    layers left untouched (default all-but-stem)',
    '  --weights   start from these ResNet18 weights (.safetensors) instead of the project backbone',
    '  --fresh     do not resume an interrupted run with the same settings',
    '  --class-weights auto|on|off   weighted loss (auto: on beyond 3:1 imbalance)',
    '  --schedule  step (StepLR 7 / 0.1, default) or cosine (one warm-up epoch)',
    '  --patience  stop after N epochs without validation improvement (default 5, 0 = never)',
    '  --width     ResNet width multiplier (default 1; reduced models for tests and benches)',
    '  --threads   CPU threads for onnxruntime',
    '  --provider  auto (default), cpu, webgpu, cuda, dml or coreml',
    ...ANOMALY_TRAIN_USAGE,
    '',
    'The new model version becomes active only if it is not worse than the active one on the',
    'same validation images (defect recall not lower, accuracy at most 0.5 point lower).'
  ].join('\n'),
  options: {
    project: { type: 'string' },
    mode: { type: 'string' },
    epochs: { type: 'string' },
    batch: { type: 'string' },
    size: { type: 'string' },
    freeze: { type: 'string' },
    lr: { type: 'string' },
    optimizer: { type: 'string' },
    weights: { type: 'string' },
    seed: { type: 'string' },
    fit: { type: 'string' },
    fresh: { type: 'boolean' },
    width: { type: 'string' },
    threads: { type: 'string' },
    patience: { type: 'string' },
    'class-weights': { type: 'string' },
    schedule: { type: 'string' },
    recipe: { type: 'string' },
    'missed-defect-rate': { type: 'string' },
    'false-reject-rate': { type: 'string' },
    ...ANOMALY_TRAIN_OPTIONS
  },
  async run(args, io) {
    const mode = typeof args.values.mode === 'string' ? args.values.mode : 'full'
    const runner = trainModes[mode]
    if (!runner) throw new UsageError(`--mode must be one of ${Object.keys(trainModes).join(', ')}, got "${mode}"`)
    return runner(args, io)
  }
}

function oneOf<T extends string>(args: ParsedArgs, name: string, allowed: readonly T[]): T | undefined {
  const v = args.values[name]
  if (v === undefined) return undefined
  if (typeof v !== 'string' || !allowed.includes(v as T)) throw new UsageError(`--${name} must be one of ${allowed.join(', ')}, got "${String(v)}"`)
  return v as T
}

/** The flag of each contract training setting (the setting's own name unless listed). */
const SETTING_FLAGS: Partial<Record<keyof TrainSettings, string>> = { classWeighting: 'class-weights' }
/** Settings without a flag of their own name: augment (the Training screen's), operatingPoint (two flags, below). */
const NO_FLAG: ReadonlySet<keyof TrainSettings> = new Set(['augment', 'operatingPoint'])

export const settingFlag = (key: keyof TrainSettings): string => SETTING_FLAGS[key] ?? key

/**
 * The contract's training settings from their flags, validated by the same schema the API
 * uses (`TrainSettings`, shared/contract/settings.ts): a flag's limits are its setting's,
 * and a refusal prints the schema's own message, naming the flag.
 */
export function trainSettingsFromArgs(args: ParsedArgs): TrainSettings {
  const raw: Record<string, unknown> = {}
  for (const key of Object.keys(TrainSettings.shape) as Array<keyof TrainSettings>) {
    if (NO_FLAG.has(key)) continue
    const flag = settingFlag(key)
    const v = args.values[flag]
    if (v === undefined) continue
    const numeric = isNumberSetting(key)
    if (numeric && (typeof v !== 'string' || v.trim() === '' || !Number.isFinite(Number(v)))) throw new UsageError(`--${flag} must be a number, got "${String(v)}"`)
    raw[key] = numeric ? Number(v) : v
  }
  const parsed = TrainSettings.safeParse(raw)
  if (!parsed.success) {
    throw new UsageError(parsed.error.issues.map((i) => `--${settingFlag(i.path[0] as keyof TrainSettings)}: ${i.message}${i.path.length ? `, got ${JSON.stringify(raw[String(i.path[0])])}` : ''}`).join('; '))
  }
  return parsed.data
}

function isNumberSetting(key: keyof TrainSettings): boolean {
  try {
    numberLimits(TrainSettings.shape[key])
    return true
  } catch {
    return false
  }
}

/** Parse the classifier options (shared with tests). */
export function trainOptionsFromArgs(mode: 'full' | 'quick', args: ParsedArgs): TrainJobOptions {
  return {
    ...trainSettingsFromArgs(args),
    mode,
    weightsFile: typeof args.values.weights === 'string' ? args.values.weights : undefined,
    resume: args.values.fresh !== true,
    // Options of this process only (not project settings): reduced models, threads, provider.
    width: optionalNumber(args, 'width', { min: 0.01, max: 4 }),
    threads: optionalNumber(args, 'threads', { min: 1, max: 256, integer: true }),
    provider: oneOf(args, 'provider', ['auto', 'cpu', 'webgpu', 'cuda', 'dml', 'coreml'] as const),
    operatingPoint: operatingPointFromArgs(args)
  }
}

/** `--missed-defect-rate R` or `--false-reject-rate R`: the contract's `operatingPoint`, checked by its schema. */
function operatingPointFromArgs(args: ParsedArgs): OperatingPointRequest | undefined {
  const flags = { 'missed-defect-rate': args.values['missed-defect-rate'], 'false-reject-rate': args.values['false-reject-rate'] } as const
  const given = (Object.keys(flags) as Array<keyof typeof flags>).filter((f) => flags[f] !== undefined)
  if (given.length === 0) return undefined
  if (given.length > 1) throw new UsageError('Give either --missed-defect-rate or --false-reject-rate, not both: the threshold is chosen for one target.')
  const target = given[0]!
  const rate = Number(flags[target])
  if (typeof flags[target] !== 'string' || String(flags[target]).trim() === '' || !Number.isFinite(rate)) throw new UsageError(`--${target} must be a number, got "${String(flags[target])}"`)
  const parsed = OperatingPointRequest.safeParse({ target, rate })
  if (!parsed.success) throw new UsageError(`--${target}: ${parsed.error.issues.map((i) => i.message).join('; ')}, got ${rate}`)
  return parsed.data
}

const pct = (x: number | null | undefined): string => (x === null || x === undefined || Number.isNaN(x) ? '–' : `${(x * 100).toFixed(1)}%`)

async function runClassifierTraining(mode: 'full' | 'quick', args: ParsedArgs, io: CliIo): Promise<number> {
  const file = requireString(args, 'project')
  const opts = trainOptionsFromArgs(mode, args)
  const store = openProject(file)
  const abort = new AbortController()
  const onSigint = (): void => {
    abort.abort()
    io.err('Stopping after the current step (Ctrl+C again to force)…')
    process.off('SIGINT', onSigint)
  }
  process.on('SIGINT', onSigint)
  let lastHuman = 0
  let outcome: TrainOutcome
  try {
    outcome = await runTrainingJob(projectTrainingData(store), opts, {
      signal: abort.signal,
      onRecipe: (recipe) => {
        if (args.json) printJson(io, { event: 'recipe', ...recipe })
        else for (const c of recipe.choices) io.out(`recipe: ${c.setting} = ${c.value} (${c.why})`)
      },
      onStart: ({ runId, resumedFromEpoch }) => {
        if (args.json) printJson(io, { event: 'start', runId, mode, resumedFromEpoch })
        else io.out(resumedFromEpoch !== null ? `Resuming run ${runId} at epoch ${resumedFromEpoch + 1}` : `Training run ${runId} (${mode})`)
      },
      onProgress: (runId, p) => {
        if (args.json) {
          printJson(io, { event: 'progress', runId, ...p })
          return
        }
        const now = Date.now()
        if (now - lastHuman < 2000 && p.step !== p.stepsPerEpoch) return
        lastHuman = now
        io.out(
          `epoch ${p.epoch}/${p.epochs} step ${p.step}/${p.stepsPerEpoch}  loss ${p.loss.toFixed(4)}  acc ${pct(p.accuracy)}  ${p.imagesPerSecond.toFixed(1)} img/s  ETA ${Math.round(p.etaSeconds)} s  (${p.provider})`
        )
      },
      onEpoch: (runId, r) => {
        if (args.json) printJson(io, { event: 'epoch', runId, ...r })
        else io.out(`epoch ${r.epoch}: validation accuracy ${pct(r.valAccuracy)}, defect recall ${pct(r.valDefectRecall)}, loss ${r.valLoss?.toFixed(4) ?? '–'}`)
      }
    })
  } finally {
    process.off('SIGINT', onSigint)
    store.close()
  }
  const metrics = outcome.metrics
    ? {
        accuracy: outcome.metrics.accuracy,
        balancedAccuracy: outcome.metrics.balancedAccuracy,
        defectRecall: outcome.metrics.defectRecall,
        perClass: outcome.metrics.perClass,
        confusion: outcome.metrics.confusion,
        count: outcome.metrics.count,
        bestEpoch: outcome.metrics.bestEpoch,
        missedDefectRate: outcome.metrics.missedDefectRate,
        missedDefects: outcome.metrics.missedDefects,
        defectImages: outcome.metrics.defectImages,
        falseRejectRate: outcome.metrics.falseRejectRate,
        falseRejects: outcome.metrics.falseRejects,
        goodImages: outcome.metrics.goodImages,
        baseline: outcome.metrics.baseline,
        threshold: outcome.metrics.threshold,
        operatingPoint: outcome.metrics.operatingPoint ?? null
      }
    : null
  if (args.json) {
    printJson(io, {
      event: 'done',
      status: outcome.status,
      runId: outcome.runId,
      modelVersion: outcome.modelVersion,
      activated: outcome.activated,
      reason: outcome.reason,
      warnings: outcome.warnings,
      metrics,
      activeMetrics: outcome.activeMetrics ? { accuracy: outcome.activeMetrics.accuracy, defectRecall: outcome.activeMetrics.defectRecall } : null,
      imagesPerSecond: outcome.imagesPerSecond,
      provider: outcome.provider,
      resumedFromEpoch: outcome.resumedFromEpoch,
      recipe: outcome.recipe,
      seconds: outcome.seconds
    })
  } else if (outcome.status === 'done') {
    io.out(`Model version ${outcome.modelVersion}: accuracy ${pct(metrics?.accuracy)}, defect recall ${pct(metrics?.defectRecall)} on ${metrics?.count} validation images.`)
    if (metrics && metrics.threshold !== null) {
      io.out(
        `  always-good baseline ${pct(metrics.baseline)}, balanced accuracy ${pct(metrics.balancedAccuracy)}; missed defects ${metrics.missedDefects}/${metrics.defectImages} (${pct(metrics.missedDefectRate)}), false rejects ${metrics.falseRejects}/${metrics.goodImages} (${pct(metrics.falseRejectRate)})`
      )
    }
    if (outcome.metrics?.operatingPoint) io.out(`  ${describeOperatingPoint(outcome.metrics.operatingPoint)}`)
    io.out(outcome.reason)
    for (const w of outcome.warnings) io.err(`warning: ${w}`)
  } else io.out(outcome.reason)
  return outcome.status === 'done' ? 0 : 130
}
