import type { FileAccess } from '../file-access'
import { listPaths } from '../path-browser'
import type { HandlerMap } from '../router'

/** 'paths:list' (every mode). 'paths:pick' is the native dialog: electron/main registers it. */
export function pathsHandlers(deps: { files: FileAccess }): HandlerMap {
  return {
    'paths:list': (request) => listPaths(deps.files, request)
  }
}
