import { resolve } from 'node:path'
import { exportModelPackage, importModelPackage } from '../../services/inspection/models-package-store'
import { printJson, UsageError } from '../command'
import { modelSubcommands } from './models'

/**
 * `defect-studio models --project FILE export [VERSION] PACKAGE` and
 * `defect-studio models --project FILE import PACKAGE`: one file with the ONNX model,
 * classes, preprocessing and threshold, to move models between line PCs. Registered as
 * subcommands of `models` (electron/cli/commands/models.ts owns the command itself).
 */
export function registerModelPackageSubcommands(): void {
  modelSubcommands.export = async (store, rest, args, io) => {
    const [a, b] = rest
    if (!a) throw new UsageError('export needs the package file: models --project FILE export [VERSION] PACKAGE.dsmodel')
    const version = b === undefined ? undefined : Number(a)
    if (version !== undefined && (!Number.isInteger(version) || version < 1)) throw new UsageError(`export: "${a}" is not a model version number`)
    const file = resolve(b ?? a)
    const r = await exportModelPackage(store, file, version)
    if (args.json) printJson(io, { exported: r.version, file, bytes: r.bytes })
    else io.out(`Model version ${r.version} exported to ${file} (${(r.bytes / 1e6).toFixed(1)} MB).`)
    return 0
  }
  modelSubcommands.import = async (store, rest, args, io) => {
    const [a] = rest
    if (!a) throw new UsageError('import needs the package file: models --project FILE import PACKAGE.dsmodel')
    const r = await importModelPackage(store, resolve(a))
    if (args.json) printJson(io, { imported: r.version, kind: r.kind, activated: r.activated })
    else
      io.out(
        r.activated
          ? `Imported as model version ${r.version} (${r.kind}); it is now active.`
          : `Imported as model version ${r.version} (${r.kind}). Activate it with: defect-studio models --project ${store.file} activate ${r.version}`
      )
    return 0
  }
}

registerModelPackageSubcommands()
