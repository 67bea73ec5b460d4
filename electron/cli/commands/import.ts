import { resolve } from 'node:path'
import { importImages, type ImportReport } from '../../services/import-service'
import { openOrCreateProject } from '../../store/project-store'
import { printJson, requireString, UsageError, type CliCommand } from '../command'

const LAYOUTS = ['auto', 'imagefolder', 'flat'] as const

export const importCommand: CliCommand = {
  name: 'import',
  summary: 'Import a folder of images into a project (created if missing)',
  usage: [
    'Usage: defect-studio import --project FILE --from DIR [--layout auto|imagefolder|flat] [--good NAME] [--json]',
    '',
    '  --good NAME   the class of good parts (e.g. free, normal); created if missing. Folders called',
    '                ok/good/pass/normal are marked good on their own when no class is yet.',
    '',
    'Layouts: DIR/train/<class>/* and DIR/val/<class>/* (ImageFolder; val/ stays validation),',
    'or DIR/<class>/* (flat). Loose files in DIR are imported unlabelled.',
    'Supported formats: JPEG, PNG, WebP, TIFF. Bad files are listed with a reason and skipped;',
    'images already in the project (same content) are reported as duplicates.',
    'Exit code 0 when the import ran to the end (even with rejected files), 130 when interrupted.'
  ].join('\n'),
  options: { project: { type: 'string' }, from: { type: 'string' }, layout: { type: 'string' }, good: { type: 'string' } },
  async run(args, io) {
    const project = resolve(requireString(args, 'project'))
    const from = resolve(requireString(args, 'from'))
    const layout = (args.values.layout as string | undefined) ?? 'auto'
    if (!(LAYOUTS as readonly string[]).includes(layout)) throw new UsageError(`--layout must be one of ${LAYOUTS.join(', ')}, got "${layout}"`)
    const { store, created } = openOrCreateProject(project)
    // Ctrl-C stops after the image being stored; everything before it stays imported.
    const controller = new AbortController()
    const onSigint = () => controller.abort()
    process.once('SIGINT', onSigint)
    let lastPrint = 0
    let report: ImportReport
    try {
      report = await importImages(
        store,
        { kind: 'folder', folder: from, layout: layout as (typeof LAYOUTS)[number] },
        {
          signal: controller.signal,
          ...(typeof args.values.good === 'string' ? { goodClass: args.values.good } : {}),
          onProgress: (p) => {
            const now = Date.now()
            if (!args.json && (now - lastPrint > 1000 || p.done === p.total) && p.total > 0) {
              lastPrint = now
              io.err(`  ${p.done}/${p.total} files (${p.imported} imported, ${p.duplicates} duplicates, ${p.rejected} rejected)`)
            }
          }
        }
      )
    } finally {
      process.off('SIGINT', onSigint)
      store.close()
    }
    if (args.json) {
      printJson(io, {
        project,
        created,
        imported: report.imported,
        duplicates: report.duplicates,
        rejected: report.rejected,
        skipped: report.skipped,
        total: report.total,
        cancelled: report.cancelled,
        layout: report.layout,
        classesCreated: report.classesCreated,
        skippedFolders: report.skippedFolders,
        validationSplit: report.validationSplit,
        goodClass: report.goodClass
      })
    } else {
      io.out(`${created ? 'Created' : 'Updated'} ${project} (${report.layout} layout)`)
      io.out(`Imported ${report.imported}, duplicates ${report.duplicates.length}, rejected ${report.rejected.length}, skipped ${report.skipped.length}`)
      if (report.classesCreated.length) io.out(`New classes: ${report.classesCreated.join(', ')}`)
      if (report.validationSplit.count > 0) io.out(`Validation: ${report.validationSplit.count} of the new images were set aside for validation. ${report.validationSplit.rule}`)
      for (const f of report.skippedFolders) io.out(`  skipped folder: ${f.folder}: ${f.reason}`)
      if (report.goodClass) io.out(`Good class: ${report.goodClass}`)
      else io.err(`No class is marked good yet. Say which one is: defect-studio classes --project ${args.values.project as string} --good NAME`)
      for (const d of report.duplicates) io.out(`  duplicate: ${d.file} (same as ${d.sameAs})`)
      for (const r of report.rejected) io.out(`  rejected: ${r.file}: ${r.reason}`)
      if (report.cancelled) io.out('Interrupted: run the same command again to import the rest.')
    }
    return report.cancelled ? 130 : 0
  }
}
