import { resolve } from 'node:path'
import { markGood } from '../../services/import-service'
import { openProject, type ProjectStore } from '../../store/project-store'
import { printJson, requireString, UsageError, type CliCommand } from '../command'

/**
 * `defect-studio classes`: list the classes with their train/val counts, mark the good
 * one, rename or merge. PASS/FAIL needs to know the good class, and real data sets call it
 * `free`, `normal`, `ok_front`…, so this is where a CLI user says which it is.
 * JSON: `{ "project", "classes": [{ "name", "good", "train", "val", "count" }] }`.
 */
export const classesCommand: CliCommand = {
  name: 'classes',
  summary: 'List classes with counts; mark the good class, rename or merge classes',
  usage: [
    'Usage: defect-studio classes --project FILE [--good NAME | --rename OLD NEW | --merge FROM INTO] [--json]',
    '',
    '  --good NAME        mark NAME as the good class (the one that passes); any other loses the mark',
    '  --rename OLD NEW   rename a class (its images keep their labels)',
    '  --merge FROM INTO  move every image of FROM to INTO, then delete FROM (INTO stays or becomes good if FROM was)',
    '',
    'Without an action the classes are listed. Names match ignoring case.'
  ].join('\n'),
  options: {
    project: { type: 'string' },
    good: { type: 'string' },
    rename: { type: 'string' },
    merge: { type: 'string' }
  },
  allowPositionals: true,
  async run(args, io) {
    const project = resolve(requireString(args, 'project'))
    const actions = ['good', 'rename', 'merge'].filter((a) => args.values[a] !== undefined)
    if (actions.length > 1) throw new UsageError(`give one of --good, --rename, --merge (got ${actions.map((a) => `--${a}`).join(' and ')})`)
    const needsSecond = actions[0] === 'rename' || actions[0] === 'merge'
    if (needsSecond && args.positionals.length !== 1) throw new UsageError(`--${actions[0]} needs two names, e.g. --${actions[0]} ${actions[0] === 'rename' ? 'OLD NEW' : 'FROM INTO'}`)
    if (!needsSecond && args.positionals.length > 0) throw new UsageError(`unexpected argument "${args.positionals[0]}"`)
    const store = openProject(project)
    try {
      let done: string | null = null
      if (typeof args.values.good === 'string') {
        const cls = byName(store, args.values.good)
        markGood(store, cls.name)
        done = `"${cls.name}" is now the good class.`
      } else if (typeof args.values.rename === 'string') {
        const cls = byName(store, args.values.rename)
        const renamed = store.classes.update(cls.id, { name: args.positionals[0]! })
        done = `Renamed "${cls.name}" to "${renamed.name}".`
      } else if (typeof args.values.merge === 'string') {
        const from = byName(store, args.values.merge)
        const into = byName(store, args.positionals[0]!)
        const { moved } = store.classes.merge(from.id, into.id, store.labels.nextActionId())
        done = `Moved ${moved} images from "${from.name}" to "${into.name}" and removed "${from.name}".`
      }
      const classes = store.classes.listWithCounts().map((c) => ({ name: c.name, good: c.isGood, train: c.train, val: c.val, count: c.count }))
      if (args.json) {
        printJson(io, { project, classes, ...(done ? { done } : {}) })
        return 0
      }
      if (done) io.out(done)
      const width = Math.max(5, ...classes.map((c) => c.name.length))
      io.out(`${'class'.padEnd(width)}  ${'images'.padStart(6)}  ${'train'.padStart(6)}  ${'val'.padStart(6)}`)
      for (const c of classes) io.out(`${c.name.padEnd(width)}  ${String(c.count).padStart(6)}  ${String(c.train).padStart(6)}  ${String(c.val).padStart(6)}${c.good ? '  (good)' : ''}`)
      if (classes.length > 0 && !classes.some((c) => c.good)) {
        io.err(`No class is marked good, so inspection cannot pass any part. Mark it: defect-studio classes --project ${args.values.project as string} --good NAME`)
      }
      return 0
    } finally {
      store.close()
    }
  }
}

function byName(store: ProjectStore, name: string): { id: number; name: string } {
  const wanted = name.trim().normalize('NFC').toLowerCase()
  const all = store.classes.list()
  const found = all.find((c) => c.name.toLowerCase() === wanted)
  if (!found) throw new UsageError(`no class "${name}" in this project (classes: ${all.map((c) => c.name).join(', ') || 'none'})`)
  return found
}
