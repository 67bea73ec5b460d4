import { resolve } from 'node:path'
import { exportProject } from '../../services/export-service'
import { openProject } from '../../store/project-store'
import { printJson, requireString, UsageError, type CliCommand } from '../command'

export const exportCommand: CliCommand = {
  name: 'export',
  summary: 'Export a project to train/ val/ <class> folders + labels.csv, or save a copy',
  usage: [
    'Usage: defect-studio export --project FILE --to DIR [--json]',
    '       defect-studio export --project FILE --copy NEW_FILE [--overwrite] [--json]',
    '',
    '--to writes DIR/train/<class>/*, DIR/val/<class>/*, DIR/unlabelled/* and DIR/labels.csv',
    '(DIR must be empty or new). --copy saves a complete copy of the project file (SQLite online backup);',
    'an existing NEW_FILE is replaced only with --overwrite, and never when it is the project itself.'
  ].join('\n'),
  options: { project: { type: 'string' }, to: { type: 'string' }, copy: { type: 'string' }, overwrite: { type: 'boolean' } },
  async run(args, io) {
    const project = resolve(requireString(args, 'project'))
    const to = args.values.to as string | undefined
    const copy = args.values.copy as string | undefined
    if (!to === !copy) throw new UsageError('give exactly one of --to DIR or --copy FILE')
    const store = openProject(project)
    try {
      if (copy) {
        const result = await store.saveCopy(resolve(copy), { overwrite: args.values.overwrite === true })
        if (args.json) printJson(io, { project, copy: result.path, bytes: result.bytes })
        else io.out(`Saved a copy of ${project} to ${result.path} (${result.bytes} bytes)`)
        return 0
      }
      const report = await exportProject(store, resolve(to!))
      if (args.json) printJson(io, { project, ...report })
      else io.out(`Exported ${report.exported} images (${report.labelled} labelled, ${report.unlabelled} unlabelled) to ${report.to}; labels in ${report.csv}`)
      return 0
    } finally {
      store.close()
    }
  }
}
