import { extname, isAbsolute } from 'node:path'
import type { HandlerMap } from '../router'
import { UserFacingError } from '../errors'
import { FileAccess } from '../file-access'
import type { ProjectStore } from '../../store/project-store'
import { exportModelPackage, importModelPackage, ModelExportError } from '../inspection/models-package-store'
import { ModelPackageError } from '../inspection/models-package'

/**
 * `models:export-package` / `models:import-package`: the Models screen's way to do what
 * `defect-studio models export|import` does. Paths are files on the machine running the
 * services, checked like every path from the API (file-access.ts: kind, size, and in
 * browser mode the allowed folders); only `.dsmodel` files, and export never overwrites.
 */
/** A package holds one ResNet18 ONNX model and its weights: well under this. */
const MAX_PACKAGE_BYTES = 1024 * 1024 * 1024

export function modelPackageHandlers(deps: { project: () => ProjectStore; files?: FileAccess }): HandlerMap {
  const files = deps.files ?? new FileAccess(null)
  return {
    'models:export-package': async ({ version, file }) => {
      checkPackagePath(file)
      const target = await files.fileToWrite(file, 'Model package')
      if (target.exists) throw new UserFacingError('conflict', `${file} already exists: choose a new file name.`)
      const r = await packageErrors(() => exportModelPackage(deps.project(), target.path, version))
      return { version: r.version, file, bytes: r.bytes }
    },
    'models:import-package': async ({ file }) => {
      checkPackagePath(file)
      const real = await files.fileToRead(file, 'Model package', MAX_PACKAGE_BYTES)
      return packageErrors(() => importModelPackage(deps.project(), real))
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
