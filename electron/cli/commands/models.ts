import { openProject } from '../../store/project-store'
import { modelVersionDto } from '../../services/training-service'
import { printJson, requireString, UsageError, type CliCommand, type CliIo, type ParsedArgs } from '../command'
import type { ProjectStore } from '../../store/project-store'
import { UserFacingError } from '../../services/errors'

/**
 * `defect-studio models`: list the project's model versions, activate one (also how to roll
 * back). Further subcommands (export/import of model packages) register in `modelSubcommands`
 * from their own module.
 */

export type ModelSubcommand = (store: ProjectStore, rest: string[], args: ParsedArgs, io: CliIo) => Promise<number>

export const modelSubcommands: Record<string, ModelSubcommand> = {
  list: async (store, _rest, args, io) => {
    const versions = store.models.list().map(modelVersionDto).reverse()
    if (args.json) printJson(io, { project: store.file, models: versions })
    else if (versions.length === 0) io.out('No model versions yet. Train one with "defect-studio train".')
    else
      for (const v of versions) {
        const acc = typeof v.metrics.accuracy === 'number' ? `${(v.metrics.accuracy * 100).toFixed(1)}%` : '–'
        io.out(`${v.active ? '*' : ' '} v${v.version}  ${v.kind.padEnd(10)} ${v.architecture.padEnd(14)} accuracy ${acc.padStart(6)}  ${v.createdAt}`)
      }
    return 0
  },
  activate: async (store, rest, args, io) => {
    const version = Number(rest[0])
    if (!Number.isInteger(version) || version < 1) throw new UsageError(`activate needs a version number, got "${rest[0] ?? ''}"`)
    // A well-formed request for a version that is not there: not-found (exit 3), not wrong usage.
    if (!store.models.list().some((m) => m.version === version)) throw new UserFacingError('not-found', `Model version ${version} does not exist (see "defect-studio models --project FILE").`)
    const m = modelVersionDto(store.models.activate(version))
    if (args.json) printJson(io, { activated: m.version, kind: m.kind, model: m })
    else io.out(`Model version ${m.version} (${m.kind}) is now active.`)
    return 0
  }
}

export const modelsCommand: CliCommand = {
  name: 'models',
  summary: 'List model versions, or activate one (rollback)',
  usage: [
    'Usage: defect-studio models --project FILE [--json]                       list versions',
    '       defect-studio models --project FILE activate VERSION [--json]      activate (or roll back to) a version',
    '       defect-studio models --project FILE export [VERSION] PACKAGE.dsmodel   one file: ONNX, classes, preprocessing, threshold',
    '       defect-studio models --project FILE import PACKAGE.dsmodel         add a packaged model (e.g. from another line PC)',
    '       defect-studio models --project FILE int8 [VERSION] [on|off|status]  inspect in INT8: calibrated on the training images,',
    '                                                                            refused when it loses > 0.5 point of validation accuracy'
  ].join('\n'),
  options: { project: { type: 'string' } },
  allowPositionals: true,
  async run(args, io) {
    const [sub = 'list', ...rest] = args.positionals
    const handler = modelSubcommands[sub]
    if (!handler) throw new UsageError(`unknown subcommand "${sub}"; use ${Object.keys(modelSubcommands).join(', ')}`)
    const store = openProject(requireString(args, 'project'))
    try {
      return await handler(store, rest, args, io)
    } finally {
      store.close()
    }
  }
}
