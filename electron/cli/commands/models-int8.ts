import { disableInt8, enableInt8, int8Record, Int8RefusedError } from '../../services/int8-model'
import { classifierVersion } from '../../services/model-evaluation'
import { printJson, UsageError } from '../command'
import { modelSubcommands } from './models'

/**
 * `defect-studio models --project FILE int8 [VERSION] [on|off|status]`: the INT8 model
 * setting of a classifier version (services/int8-model.ts). `on` calibrates on the
 * project's training images, checks accuracy against fp32 on the validation images and
 * turns INT8 on only within half a point; a refusal prints the figures and exits 2.
 */
export function registerInt8Subcommand(): void {
  modelSubcommands.int8 = async (store, rest, args, io) => {
    const words = [...rest]
    const action = ['on', 'off', 'status'].includes(words.at(-1) ?? '') ? words.pop()! : 'on'
    if (words.length > 1) throw new UsageError('int8 takes at most a version and on|off|status: models --project FILE int8 [VERSION] [on|off|status]')
    const version = words[0] === undefined ? undefined : Number(words[0])
    if (version !== undefined && (!Number.isInteger(version) || version < 1)) throw new UsageError(`int8: "${words[0]}" is not a model version number`)
    const model = classifierVersion(store, version)
    if (action === 'off') {
      disableInt8(store, model.version)
      if (args.json) printJson(io, { version: model.version, int8: false })
      else io.out(`Model version ${model.version} runs in fp32 for inspection.`)
      return 0
    }
    if (action === 'status') {
      const r = int8Record(store, model.version)
      if (args.json) printJson(io, { version: model.version, int8: r !== null, check: r?.check ?? null })
      else io.out(r ? `Model version ${model.version} runs in INT8 for inspection. ${r.check.reason}` : `Model version ${model.version} runs in fp32 for inspection.`)
      return 0
    }
    try {
      const { record } = await enableInt8(store, { version: model.version })
      if (args.json) printJson(io, { version: model.version, int8: true, check: record.check, calibrationImages: record.calibrationImages })
      else io.out(`Model version ${model.version} now runs in INT8 for inspection. ${record.check.reason} Calibrated on ${record.calibrationImages} training images.`)
      return 0
    } catch (error) {
      if (!(error instanceof Int8RefusedError)) throw error
      if (args.json) printJson(io, { version: model.version, int8: false, refused: error.message, check: error.check })
      else io.err(error.message)
      return 2
    }
  }
}

registerInt8Subcommand()
