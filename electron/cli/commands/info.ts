import { resolve } from 'node:path'
import { openProject } from '../../store/project-store'
import { printJson, requireString, type CliCommand } from '../command'

export const infoCommand: CliCommand = {
  name: 'info',
  summary: 'Show a project: classes with train/val counts, model versions, the active model',
  usage: 'Usage: defect-studio info --project FILE [--json]',
  options: { project: { type: 'string' } },
  async run(args, io) {
    const project = resolve(requireString(args, 'project'))
    const store = openProject(project)
    try {
      const classes = store.classes.listWithCounts()
      const models = store.models.list()
      const images = store.images.count()
      const labelled = classes.reduce((n, c) => n + c.count, 0)
      const result = {
        project,
        images,
        unlabelled: images - labelled,
        classes: classes.map((c) => ({ name: c.name, good: c.isGood, train: c.train, val: c.val, count: c.count, colour: c.colour })),
        models: models.map((m) => ({
          version: m.version,
          kind: m.kind,
          active: m.active,
          metrics: m.metrics,
          architecture: m.architecture,
          classes: m.classes,
          threshold: m.threshold,
          createdAt: m.createdAt
        })),
        activeModels: {
          classifier: models.find((m) => m.kind === 'classifier' && m.active)?.version ?? null,
          anomaly: models.find((m) => m.kind === 'anomaly' && m.active)?.version ?? null
        }
      }
      if (args.json) {
        printJson(io, result)
        return 0
      }
      io.out(`${store.name}: ${images} images (${result.unlabelled} unlabelled)`)
      const width = Math.max(5, ...classes.map((c) => c.name.length))
      io.out(`  ${'class'.padEnd(width)}  train    val`)
      for (const c of result.classes) io.out(`  ${c.name.padEnd(width)}  ${String(c.train).padStart(5)}  ${String(c.val).padStart(5)}${c.good ? '  (good)' : ''}`)
      if (models.length === 0) io.out('No model versions yet.')
      for (const m of result.models) io.out(`  model v${m.version} ${m.kind} ${m.architecture}${m.active ? '  ACTIVE' : ''}  ${JSON.stringify(m.metrics)}`)
      return 0
    } finally {
      store.close()
    }
  }
}
