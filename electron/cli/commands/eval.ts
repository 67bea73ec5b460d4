import { openProject } from '../../store/project-store'
import { evaluateVersion } from '../../services/model-evaluation'
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
    const kind = typeof args.values.kind === 'string' ? args.values.kind : 'classifier'
    const runner = evalKinds[kind]
    if (!runner) throw new UsageError(`--kind must be one of ${Object.keys(evalKinds).join(', ')}, got "${kind}"`)
    return runner(args, io)
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
        count: report.count,
        source: report.source,
        skipped: report.skipped
      })
      return 0
    }
    io.out(`Model version ${report.modelVersion} on ${report.source} (${report.count} images): accuracy ${(report.accuracy * 100).toFixed(1)}%`)
    for (const p of report.perClass) io.out(`  ${p.class.padEnd(16)} precision ${(p.precision * 100).toFixed(1).padStart(5)}%  recall ${(p.recall * 100).toFixed(1).padStart(5)}%  support ${p.support}`)
    io.out('Confusion (rows true, columns predicted):')
    io.out(`  ${''.padEnd(16)} ${report.confusion.labels.map((l) => l.slice(0, 8).padStart(8)).join(' ')}`)
    report.confusion.matrix.forEach((row, i) => io.out(`  ${report.confusion.labels[i]!.padEnd(16)} ${row.map((n) => String(n).padStart(8)).join(' ')}`))
    for (const s of report.skipped) io.err(`skipped ${s.file}: ${s.reason}`)
    return 0
  } finally {
    store.close()
  }
}
