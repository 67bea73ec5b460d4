import { openProject } from '../../store/project-store'
import { evaluateVersion } from '../../services/model-evaluation'
import { UserFacingError } from '../../services/errors'
import { describeOperatingPoint } from '../../engine/train/operating-point'
import { optionalNumber, printJson, requireString, UsageError, type CliCommand, type CliIo, type ParsedArgs } from '../command'
import { ANOMALY_EVAL_USAGE, runAnomalyEval } from './anomaly-mode'

/**
 * `defect-studio eval`: accuracy, per-class precision/recall and the confusion matrix
 * (rows = true classes) of the active classifier (or --version) on the project's
 * validation split or on a folder laid out by class. `--kind anomaly` dispatches to
 * anomaly-mode.ts through `evalKinds`.
 */

export type EvalKindRunner = (args: ParsedArgs, io: CliIo) => Promise<number>

export const evalKinds: Record<string, EvalKindRunner> = {
  classifier: runClassifierEval,
  // Anomaly models (image/pixel AUROC): electron/cli/commands/anomaly-mode.ts
  anomaly: runAnomalyEval
}

export const evalCommand: CliCommand = {
  name: 'eval',
  summary: 'Evaluate the active model on the validation split or a folder of images by class',
  usage: [
    'Usage: defect-studio eval --project FILE [--from DIR] [--version N] [--kind classifier|anomaly] [--json]',
    '',
    '  --kind      which model to evaluate (default: the kind of the active model; the classifier when both are)',
    '',
    '  --from      a folder with one subfolder per class (DIR/<class>/*, or DIR/val/<class>/*)',
    '  --version   evaluate this model version instead of the active one',
    ...ANOMALY_EVAL_USAGE
  ].join('\n'),
  options: {
    project: { type: 'string' },
    from: { type: 'string' },
    version: { type: 'string' },
    kind: { type: 'string' },
    threads: { type: 'string' }
  },
  async run(args, io) {
    const kind = typeof args.values.kind === 'string' ? args.values.kind : activeKind(requireString(args, 'project'), optionalNumber(args, 'version', { min: 1, integer: true }))
    const runner = evalKinds[kind]
    if (!runner) throw new UsageError(`--kind must be one of ${Object.keys(evalKinds).join(', ')}, got "${kind}"`)
    return runner(args, io)
  }
}

/**
 * Without --kind: the kind of the project's active model (the classifier when both are
 * active), so an anomaly-only project evaluates its anomaly model.
 */
function activeKind(projectFile: string, version: number | undefined): string {
  const store = openProject(projectFile)
  try {
    const chosen = version === undefined ? undefined : store.models.list().find((m) => m.version === version)
    if (chosen) return chosen.kind
    if (store.models.active('classifier')) return 'classifier'
    if (store.models.active('anomaly')) return 'anomaly'
    throw new UserFacingError('not-found', 'The project has no active model to evaluate. Train one first (defect-studio train).')
  } finally {
    store.close()
  }
}

async function runClassifierEval(args: ParsedArgs, io: CliIo): Promise<number> {
  const store = openProject(requireString(args, 'project'))
  try {
    const report = await evaluateVersion(store, {
      version: optionalNumber(args, 'version', { min: 1, integer: true }),
      fromDir: typeof args.values.from === 'string' ? args.values.from : undefined,
      threads: optionalNumber(args, 'threads', { min: 1, max: 256, integer: true })
    })
    if (args.json) {
      printJson(io, {
        modelVersion: report.modelVersion,
        accuracy: report.accuracy,
        perClass: report.perClass,
        confusion: report.confusion,
        defectRecall: report.defectRecall,
        balancedAccuracy: report.balancedAccuracy,
        missedDefectRate: report.missedDefectRate,
        missedDefects: report.missedDefects,
        defectImages: report.defectImages,
        falseRejectRate: report.falseRejectRate,
        falseRejects: report.falseRejects,
        goodImages: report.goodImages,
        baseline: report.baseline,
        threshold: report.threshold,
        thresholdSource: report.thresholdSource,
        operatingPoint: report.operatingPoint ?? null,
        warnings: report.warnings,
        count: report.count,
        source: report.source,
        skipped: report.skipped
      })
      return 0
    }
    const pct = (x: number | null): string => (x === null ? '–' : `${(x * 100).toFixed(1)}%`)
    io.out(`Model version ${report.modelVersion} on ${report.source} (${report.count} images): accuracy ${pct(report.accuracy)}, balanced accuracy ${pct(report.balancedAccuracy)}`)
    if (report.threshold !== null) {
      if (report.operatingPoint && report.thresholdSource === 'model') io.out(`  operating point: ${describeOperatingPoint(report.operatingPoint)}`)
      io.out(`  always-good baseline ${pct(report.baseline)}; at threshold ${report.threshold} (${report.thresholdSource}): missed defects ${report.missedDefects}/${report.defectImages} (${pct(report.missedDefectRate)}), false rejects ${report.falseRejects}/${report.goodImages} (${pct(report.falseRejectRate)})`)
    }
    for (const p of report.perClass) io.out(`  ${p.class.padEnd(16)} precision ${(p.precision * 100).toFixed(1).padStart(5)}%  recall ${(p.recall * 100).toFixed(1).padStart(5)}%  support ${p.support}`)
    io.out('Confusion (rows true, columns predicted):')
    io.out(`  ${''.padEnd(16)} ${report.confusion.labels.map((l) => l.slice(0, 8).padStart(8)).join(' ')}`)
    report.confusion.matrix.forEach((row, i) => io.out(`  ${report.confusion.labels[i]!.padEnd(16)} ${row.map((n) => String(n).padStart(8)).join(' ')}`))
    for (const s of report.skipped) io.err(`skipped ${s.file}: ${s.reason}`)
    for (const w of report.warnings) io.err(`warning: ${w}`)
    return 0
  } finally {
    store.close()
  }
}
