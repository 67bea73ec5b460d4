import { resolve } from 'node:path'
import { HistoryFilter, Verdict, type InspectionRecord } from '../../../shared/contract/inspection'
import { LocalInspectionEngine } from '../../services/inspection/local-engine'
import { storeModelLoader } from '../../services/inspection/manager'
import { InspectionService } from '../../services/inspection/service'
import { openProject } from '../../store/project-store'
import { optionalNumber, printJson, requireString, UsageError, type CliCommand, type CliIo } from '../command'

/**
 * `defect-studio history`: list recorded inspections (the History screen's filters), or
 * correct one (`--correct ID`), which, like the screen, records the correction and adds
 * the kept image to the labelling set with the corrected class. The same service as the
 * screen refuses a correction that contradicts itself (PASS with a defect class).
 * JSON: list `{ "project", "total", "rows": [InspectionRecord] }`;
 * correct `{ "project", "record", "imageId" }`.
 */
export const historyCommand: CliCommand = {
  name: 'history',
  summary: 'List recorded inspections, or correct one (its image joins the labelling set)',
  usage: [
    'Usage: defect-studio history --project FILE [--verdict PASS|FAIL|NO_VERDICT] [--class NAME] [--model N]',
    '         [--since ISO-TIME] [--until ISO-TIME] [--limit N] [--offset N] [--json]',
    '       defect-studio history --project FILE --correct ID --verdict PASS|FAIL --class NAME [--operator NAME] [--json]',
    '',
    '  --class NAME     inspections whose class is NAME (ignoring case)',
    '  --model N        inspections by model version N',
    '  --limit N        at most N rows, newest first (default 100, at most 1000)',
    '  --correct ID     record the right verdict and class for inspection ID; PASS goes with the',
    '                   good class, FAIL with a defect class. A kept image is added to the labelling set.',
    '  --operator NAME  recorded as who corrected it (default: the OS user)'
  ].join('\n'),
  options: {
    project: { type: 'string' },
    verdict: { type: 'string' },
    class: { type: 'string' },
    model: { type: 'string' },
    since: { type: 'string' },
    until: { type: 'string' },
    limit: { type: 'string' },
    offset: { type: 'string' },
    correct: { type: 'string' },
    operator: { type: 'string' }
  },
  async run(args, io) {
    const project = resolve(requireString(args, 'project'))
    const correctId = optionalNumber(args, 'correct', { min: 1, integer: true })
    const verdict = args.values.verdict === undefined ? undefined : parseVerdict(String(args.values.verdict))
    const className = typeof args.values.class === 'string' ? args.values.class : undefined
    if (correctId !== undefined) {
      if (verdict === undefined || verdict === 'NO_VERDICT') throw new UsageError('--correct needs --verdict PASS or FAIL')
      if (!className) throw new UsageError('--correct needs --class NAME (the good class with PASS, a defect class with FAIL)')
    }
    const filter = correctId === undefined ? parseFilter(args, verdict, className) : null
    const limit = optionalNumber(args, 'limit', { min: 1, max: 1000, integer: true }) ?? 100
    const offset = optionalNumber(args, 'offset', { min: 0, integer: true }) ?? 0

    const store = openProject(project)
    const service = new InspectionService({ project: store, engine: new LocalInspectionEngine(storeModelLoader(store)) })
    try {
      if (correctId !== undefined) {
        if (typeof args.values.operator === 'string') service.updateSettings({ operator: args.values.operator }, { persist: false })
        const { record, imageId } = await service.override(correctId, verdict as 'PASS' | 'FAIL', canonicalClass(store, className!))
        if (args.json) printJson(io, { project, record, imageId })
        else {
          io.out(`Inspection ${record.id} (${record.partId}) corrected to ${record.override!.verdict} "${record.override!.className}" by ${record.override!.actor}.`)
          io.out(imageId === null ? 'Its image was not kept, so only the verdict is corrected.' : `Its image is in the labelling set as image ${imageId}.`)
        }
        return 0
      }
      const { total, rows } = service.listHistory(filter!, { limit, offset })
      if (args.json) {
        printJson(io, { project, total, rows })
        return 0
      }
      printRows(io, rows, total, offset, Object.keys(filter!).length > 0)
      return 0
    } finally {
      await service.close()
      store.close()
    }
  }
}

function parseVerdict(v: string): Verdict {
  const parsed = Verdict.safeParse(v.toUpperCase())
  if (!parsed.success) throw new UsageError(`--verdict must be PASS, FAIL or NO_VERDICT, got "${v}"`)
  return parsed.data
}

function parseFilter(args: Parameters<CliCommand['run']>[0], verdict: Verdict | undefined, className: string | undefined): HistoryFilter {
  const model = optionalNumber(args, 'model', { min: 0, integer: true })
  const time = (name: 'since' | 'until'): string | undefined => {
    const v = args.values[name]
    if (v === undefined) return undefined
    const t = new Date(String(v))
    if (Number.isNaN(t.getTime())) throw new UsageError(`--${name} must be a date and time, e.g. 2026-12-01T08:00, got "${String(v)}"`)
    return t.toISOString()
  }
  const filter: HistoryFilter = {}
  const from = time('since')
  const to = time('until')
  if (from) filter.from = from
  if (to) filter.to = to
  if (verdict) filter.verdict = verdict
  if (className) filter.className = className
  if (model !== undefined) filter.modelVersion = model
  return HistoryFilter.parse(filter)
}

/** The project's spelling of a class typed in any case ("Scratch" → "scratch"); unknown names pass through to be refused. */
function canonicalClass(store: { classes: { list(): Array<{ name: string }> } }, name: string): string {
  const wanted = name.trim().normalize('NFC').toLowerCase()
  return store.classes.list().find((c) => c.name.toLowerCase() === wanted)?.name ?? name
}

function printRows(io: CliIo, rows: InspectionRecord[], total: number, offset: number, filtered: boolean): void {
  if (total === 0) {
    io.out(filtered ? 'No inspection matches these filters.' : 'No inspections yet.')
    return
  }
  io.out(`${offset + 1}–${offset + rows.length} of ${total}`)
  for (const r of rows) {
    const shown = r.override ? `${r.override.verdict} (corrected from ${r.verdict})` : r.verdict
    const cls = r.override?.className ?? r.className ?? ''
    io.out(`${String(r.id).padStart(6)}  ${r.time}  ${r.partId}  ${shown}  ${cls}  v${r.modelVersion ?? '–'}`)
  }
}
