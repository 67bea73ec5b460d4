import { existsSync } from 'node:fs'
import type { ParseArgsConfig } from 'node:util'
import type { Fit } from '../../imaging/preprocess'
import type { ProviderRequest } from '../../engine/infer/sessions'
import { openProject } from '../../store/project-store'
import { trainAnomalyModel, type AnomalyTrainResult } from '../../services/anomaly-service'
import { evaluateAnomalyOnFolder, evaluateAnomalyOnProject } from '../../services/anomaly-eval'
import { optionalNumber, printJson, requireString, UsageError, type CliIo, type ParsedArgs } from '../command'

/**
 * The anomaly parts of `train` and `eval` (those commands live in train.ts / eval.ts and
 * dispatch here):
 *   defect-studio train --project FILE --mode anomaly [--coreset F] [--target-frr R]
 *   defect-studio eval  --project FILE --kind anomaly [--version V] [--from MVTEC_FOLDER]
 * JSON (docs/decisions.md, CLI JSON): train prints progress lines and a last line
 * { event: 'done', modelVersion, activated, metrics, imagesPerSecond }; eval prints
 * { modelVersion, imageAuroc, pixelAuroc (with masks), threshold, falseRejectRate }.
 */

/** Options `train` must accept for anomaly mode (spread into its parseArgs options). */
export const ANOMALY_TRAIN_OPTIONS: NonNullable<ParseArgsConfig['options']> = {
  coreset: { type: 'string' },
  'target-frr': { type: 'string' },
  provider: { type: 'string' },
  'no-activate': { type: 'boolean' }
}

export const ANOMALY_TRAIN_USAGE = [
  '  --mode anomaly  learn from good images only (PatchCore); defect images are only used to evaluate',
  '  --coreset F     (anomaly) fraction of patch features kept in the memory bank (default 0.1)',
  '  --target-frr R  (anomaly) false-reject rate the threshold is calibrated for (default 0.01 = 1 %)',
  '  --no-activate   (anomaly) store the model without activating it'
]

export const ANOMALY_EVAL_USAGE = [
  '  --kind anomaly  evaluate an anomaly model: image AUROC, threshold, false-reject rate;',
  '                  with --from an MVTec-style folder (test/<good|defect>/*), masks in',
  '                  ground_truth/<defect>/<name>_mask.png also give pixel AUROC'
]

function str(args: ParsedArgs, name: string): string | undefined {
  const v = args.values[name]
  return typeof v === 'string' && v.length > 0 ? v : undefined
}

function openExisting(file: string): ReturnType<typeof openProject> {
  if (!existsSync(file)) throw new UsageError(`project file ${file} does not exist; create it with "defect-studio import --project ${file} FOLDER"`)
  return openProject(file)
}

/** `train --mode anomaly`. Reads the common train options it shares: project, size, fit, width, seed, provider, no-activate. */
export async function runAnomalyTrain(args: ParsedArgs, io: CliIo): Promise<number> {
  const project = requireString(args, 'project')
  const coresetFraction = optionalNumber(args, 'coreset', { min: 1e-6, max: 1 })
  const targetFrr = optionalNumber(args, 'target-frr', { min: 1e-6, max: 0.999 })
  const size = optionalNumber(args, 'size', { min: 32, max: 1024, integer: true })
  const width = optionalNumber(args, 'width', { min: 0.05, max: 2 })
  const seed = optionalNumber(args, 'seed', { integer: true, min: 0 })
  const fit = str(args, 'fit')
  if (fit !== undefined && fit !== 'crop' && fit !== 'whole') throw new UsageError(`--fit must be crop or whole, got "${fit}"`)
  const provider = str(args, 'provider') as ProviderRequest | undefined
  const store = openExisting(project)
  try {
    const started = performance.now()
    const result: AnomalyTrainResult = await trainAnomalyModel(store, {
      ...(coresetFraction !== undefined ? { coresetFraction } : {}),
      ...(targetFrr !== undefined ? { targetFrr } : {}),
      ...(size !== undefined ? { size } : {}),
      ...(fit ? { fit: fit as Fit } : {}),
      ...(width !== undefined ? { width } : {}),
      ...(seed !== undefined ? { seed } : {}),
      ...(provider ? { provider } : {}),
      ...(args.values['no-activate'] === true ? { activate: 'never' as const } : {}),
      onProgress: (p) => {
        if (args.json) printJson(io, { event: 'progress', mode: 'anomaly', phase: p.phase, done: p.done, total: p.total, elapsedSeconds: (performance.now() - started) / 1000 })
      }
    })
    const m = result.metrics
    const done = {
      event: 'done',
      mode: 'anomaly',
      modelVersion: result.modelVersion,
      activated: result.activated,
      activationReason: result.activationReason,
      threshold: result.threshold,
      metrics: {
        imageAuroc: m.imageAuroc,
        falseRejectRate: m.falseRejectRate,
        defectRecall: m.defectRecall,
        targetFrr: m.targetFrr,
        expectedFrr: m.calibration.expectedFrr,
        frrUpperBound95: m.calibration.frrUpperBound95,
        f1BestThreshold: m.f1Best?.threshold ?? null,
        bankSize: m.bankSize,
        coresetFraction: m.coresetFraction,
        fitImages: m.fitImages,
        calibrationImages: m.calibrationImages,
        defectImages: m.defectImages,
        defectsCaught: m.defectsCaught,
        calibrationMode: m.calibrationMode,
        backbone: m.backbone
      },
      imagesPerSecond: m.fitImages / Math.max(m.fitSeconds, 1e-9),
      warnings: result.warnings
    }
    if (args.json) printJson(io, done)
    else {
      io.out(`Anomaly model v${result.modelVersion} ${result.activated ? 'activated' : 'stored, not activated'} (${result.activationReason}).`)
      io.out(`  memory bank: ${m.bankSize} patches from ${m.fitImages} good images (coreset ${m.coresetFraction})`)
      io.out(`  threshold: ${result.threshold.toPrecision(5)} for a false-reject rate of ${m.targetFrr} (calibration: ${m.calibrationImages} good images${m.calibrationMode === 'leave-own-out' ? ', each scored without its own patches' : ''}, ${m.falseRejectRate} rejected)`)
      if (m.imageAuroc !== null) io.out(`  image AUROC: ${m.imageAuroc.toFixed(4)} on ${m.defectImages} defect images; defect recall at threshold ${m.defectRecall?.toFixed(3)} (${m.defectsCaught} of ${m.defectImages} caught)`)
      for (const w of result.warnings) io.err(`warning: ${w}`)
    }
    return 0
  } finally {
    store.close()
  }
}

/** `eval --kind anomaly`: the model given by --version, or the active anomaly model. */
export async function runAnomalyEval(args: ParsedArgs, io: CliIo): Promise<number> {
  const project = requireString(args, 'project')
  const data = str(args, 'from')
  const version = optionalNumber(args, 'version', { min: 1, integer: true })
  const store = openExisting(project)
  try {
    const r = data ? await evaluateAnomalyOnFolder(store, data, version) : await evaluateAnomalyOnProject(store, version)
    const out = {
      modelVersion: r.modelVersion,
      imageAuroc: r.imageAuroc,
      ...(r.pixelAuroc !== undefined ? { pixelAuroc: r.pixelAuroc } : {}),
      threshold: r.threshold,
      falseRejectRate: r.falseRejectRate,
      defectRecall: r.defectRecall,
      goodImages: r.goodImages,
      defectImages: r.defectImages,
      ...(r.maskImages !== undefined ? { maskImages: r.maskImages } : {}),
      skipped: r.skipped
    }
    if (args.json) printJson(io, out)
    else {
      io.out(`Anomaly model v${r.modelVersion}: ${r.goodImages} good, ${r.defectImages} defect images`)
      io.out(`  image AUROC: ${r.imageAuroc === null ? 'n/a (needs good and defect images)' : r.imageAuroc.toFixed(4)}`)
      if (r.pixelAuroc !== undefined) io.out(`  pixel AUROC: ${r.pixelAuroc.toFixed(4)} (${r.maskImages} masks)`)
      io.out(`  threshold ${r.threshold}: false-reject rate ${r.falseRejectRate}, defect recall ${r.defectRecall}`)
      for (const s of r.skipped) io.err(`skipped ${s.image}: ${s.reason}`)
    }
    return 0
  } finally {
    store.close()
  }
}
