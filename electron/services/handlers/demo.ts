import type { EmitEvent } from '../../../shared/contract/index'
import { mkdir } from 'node:fs/promises'
import { dirname } from 'node:path'
import { dataDir } from '../app-info'
import { createDemoProject, defaultDemoFile, type DemoDeps } from '../demo/demo-project'
import type { FileAccess } from '../file-access'
import type { HandlerMap } from '../router'

/** 'projects:create-demo': the sample project of generated parts (electron/services/demo/). */
export function demoHandlers(deps: DemoDeps & { files: FileAccess; emit: EmitEvent }): HandlerMap {
  return {
    'projects:create-demo': async ({ path, train }) => {
      let file = path
      if (file === undefined) {
        // Only the default location is created here: a path from the request goes through
        // the same checks as any other new project file and must have its folder already.
        file = defaultDemoFile(dataDir())
        await mkdir(dirname(file), { recursive: true })
      }
      const target = await deps.files.fileToWrite(file, 'The demo project')
      const report = await createDemoProject(deps, target.path, { train: train !== false })
      deps.emit('projects:changed', { project: { path: report.project.path, name: report.project.name } })
      return report
    }
  }
}
