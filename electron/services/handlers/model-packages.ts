import { existsSync, statSync } from 'node:fs'
import { dirname, extname, isAbsolute } from 'node:path'
import type { HandlerMap } from '../router'
import { UserFacingError } from '../errors'
import type { ProjectStore } from '../../store/project-store'
import { exportModelPackage, importModelPackage, ModelExportError } from '../inspection/models-package-store'
import { ModelPackageError } from '../inspection/models-package'

/**
 * `models:export-package` / `models:import-package`: the Models screen's way to do what
 * `defect-studio models export|import` does. Paths are files on the machine running the
 * services; only `.dsmodel` files are read or written, and export never overwrites.
 */
export function modelPackageHandlers(deps: { project: () => ProjectStore }): HandlerMap {
  return {
    'models:export-package': async ({ version, file }) => {
      checkPackagePath(file)
      if (existsSync(file)) throw new UserFacingError('conflict', `${file} already exists: choose a new file name.`)
      if (!existsSync(dirname(file)) || !statSync(dirname(file)).isDirectory()) throw new UserFacingError('not-found', `The folder ${dirname(file)} does not exist: choose an existing folder.`)
      const r = await packageErrors(() => exportModelPackage(deps.project(), file, version))
      return { version: r.version, file, bytes: r.bytes }
    },
    'models:import-package': async ({ file }) => {
      checkPackagePath(file)
      if (!existsSync(file)) throw new UserFacingError('not-found', `${file} was not found. Choose an existing .dsmodel file.`)
      return packageErrors(() => importModelPackage(deps.project(), file))
    }
  }
}

function checkPackagePath(file: string): void {
  if (!isAbsolute(file)) throw new UserFacingError('invalid-payload', `"${file}" is not a full path: give the whole path, e.g. /home/me/line1.dsmodel.`)
  if (extname(file).toLowerCase() !== '.dsmodel') throw new UserFacingError('invalid-payload', `"${file}" is not a model package: its name must end in .dsmodel.`)
}

async function packageErrors<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn()
  } catch (error) {
    if (error instanceof ModelPackageError || error instanceof ModelExportError) throw new UserFacingError('failed', error.message)
    throw error
  }
}
