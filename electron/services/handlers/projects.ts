import type { EmitEvent } from '../../../shared/contract/index'
import type { ClassInfo, ProjectSummary as ProjectSummaryView } from '../../../shared/contract/projects'
import { exportProject } from '../export-service'
import { FileAccess } from '../file-access'
import type { ProjectService } from '../project-service'
import type { HandlerMap } from '../router'

export interface ProjectHandlerDeps {
  projects: ProjectService
  /** Push an event to every renderer (the transport sets it). */
  emit: EmitEvent
  /** Checks paths from the API (browser mode: allowed roots); default: kind checks only. */
  files?: FileAccess
}

/** Handlers for 'projects:*' and 'classes:*'. */
export function projectsHandlers(deps: ProjectHandlerDeps): HandlerMap {
  const { projects, emit } = deps
  const files = deps.files ?? new FileAccess(null)
  const classes = (): ClassInfo[] => projects.listClasses()
  const changed = (): void => {
    const s = projects.currentOrNull()
    emit('projects:changed', { project: s ? { path: s.file, name: s.name } : null })
  }
  const classesChanged = (): void => emit('images:changed', { reason: 'classes' })
  return {
    'projects:create': async ({ path }) => {
      const target = await files.fileToWrite(path, 'The project file')
      const summary: ProjectSummaryView = await projects.create(target.path)
      changed()
      return summary
    },
    'projects:open': async ({ path }) => {
      const summary = await projects.open(await files.fileToRead(path, 'The project file', Number.MAX_SAFE_INTEGER))
      changed()
      return summary
    },
    'projects:close': () => {
      const closed = projects.close()
      if (closed) changed()
      return { closed }
    },
    'projects:current': () => (projects.currentOrNull() ? projects.summary() : null),
    'projects:recent': () => projects.recent(),
    'projects:save-copy': async ({ path, overwrite }) => {
      const store = projects.current()
      const target = await files.fileToWrite(path, 'The copy')
      return await store.saveCopy(target.path, { overwrite: overwrite === true })
    },
    'projects:export': async ({ folder }) => exportProject(projects.current(), await files.folderToWrite(folder, 'The export folder')),
    'projects:settings-get': () => projects.getSettings(),
    'projects:settings-set': ({ key, value }) => projects.setSetting(key, value),
    'classes:list': () => classes(),
    'classes:create': (input) => {
      projects.createClass(stripUndefined(input))
      classesChanged()
      return classes()
    },
    'classes:update': ({ id, ...changes }) => {
      projects.updateClass(id, stripUndefined(changes))
      classesChanged()
      return classes()
    },
    'classes:reorder': ({ ids }) => {
      projects.reorderClasses(ids)
      return classes()
    },
    'classes:delete': ({ id }) => {
      const { unlabelled } = projects.deleteClass(id)
      classesChanged()
      return { unlabelled, classes: classes() }
    },
    'classes:merge': ({ sourceId, targetId }) => {
      const { moved } = projects.mergeClasses(sourceId, targetId)
      classesChanged()
      return { moved, classes: classes() }
    }
  }
}

function stripUndefined<T extends Record<string, unknown>>(o: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as { [K in keyof T]: Exclude<T[K], undefined> }
}
