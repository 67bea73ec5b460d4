import type { EmitEvent } from '../../../shared/contract/index'
import type { ImportProgressEvent, ImportReportView } from '../../../shared/contract/images'
import { ImportSourceError, type ImportService, type ImportSource } from '../import-service'
import type { ProjectService } from '../project-service'
import { UserFacingError } from '../errors'
import { FileAccess } from '../file-access'
import type { HandlerMap } from '../router'
import { activeSuggestions } from '../suggestion-service'

export interface ImageHandlerDeps {
  projects: ProjectService
  imports: ImportService
  emit: EmitEvent
  /** Minimum time between two progress events of one import (the last one always goes). */
  progressIntervalMs?: number
  /** Checks paths from the API (browser mode: allowed roots); default: kind checks only. */
  files?: FileAccess
  /** How imported files are named in reports (browser mode hides its upload folder). */
  displayName?: (file: string) => string
}

/** Handlers for 'images:*': listing, labelling, splits, import with progress and cancel. */
export function imagesHandlers(deps: ImageHandlerDeps): HandlerMap {
  const { projects, imports, emit } = deps
  const interval = deps.progressIntervalMs ?? 100
  const files = deps.files ?? new FileAccess(null)
  // Closing or switching projects stops an import into the old one (after its current image).
  projects.onChange(() => imports.cancel())

  async function runImport(source: ImportSource, goodClass?: string): Promise<ImportReportView> {
    const store = projects.current()
    let last = 0
    try {
      const options = { ...(goodClass ? { goodClass } : {}), ...(deps.displayName ? { displayName: deps.displayName } : {}) }
      const report = await imports.run(store, source, (importId, p) => {
        const now = Date.now()
        if (now - last < interval && p.done < p.total && p.done > 0) return
        last = now
        const payload: ImportProgressEvent = { importId, ...p }
        emit('images:import-progress', payload)
      }, options)
      emit('images:changed', { reason: 'import' })
      return report
    } catch (error) {
      if (error instanceof ImportSourceError) throw new UserFacingError('failed', error.message)
      throw error
    }
  }

  return {
    'images:list': ({ classId, split, search, offset, limit }) => {
      const store = projects.current()
      const page = store.images.list({ ...(classId !== undefined ? { classId } : {}), ...(split ? { split } : {}), ...(search ? { search } : {}) }, { offset, limit })
      // The active classifier's stored predictions ride along as suggestions.
      const suggestions = activeSuggestions(store, page.items.map((i) => i.id))
      return { total: page.total, items: page.items.map((i) => ({ ...i, suggestion: suggestions.get(i.id) ?? null })) }
    },
    'images:get': ({ id }) => {
      const store = projects.current()
      const image = store.images.get(id)
      const history = store.labels.history(id).map(({ oldClassId, newClassId, changedAt, source, undone }) => ({ oldClassId, newClassId, changedAt, source, undone }))
      return { ...image, history }
    },
    'images:set-label': ({ imageIds, classId }) => {
      const result = projects.current().labels.set(imageIds, classId, 'user')
      emit('images:changed', { reason: 'label', imageIds })
      return result
    },
    'images:undo-label': () => {
      const undone = projects.current().labels.undoLast()
      if (undone) emit('images:changed', { reason: 'label', imageIds: undone.imageIds })
      return { undone: undone !== null, imageIds: undone?.imageIds ?? [] }
    },
    'images:set-split': ({ imageIds, split }) => {
      const changed = projects.current().splits.set(imageIds, split, 'user')
      emit('images:changed', { reason: 'split', imageIds })
      return { changed }
    },
    'images:delete': ({ imageIds }) => {
      const deleted = projects.current().images.delete(imageIds)
      emit('images:changed', { reason: 'delete', imageIds })
      return { deleted }
    },
    'images:import-folder': async ({ folder, layout, goodClass }) =>
      runImport({ kind: 'folder', folder: await files.folderToRead(folder, 'The import folder'), ...(layout ? { layout } : {}) }, goodClass),
    'images:import-files': async ({ paths, className }) => {
      // Each file's kind and size are checked by the import (one reason per refused file);
      // here only where the paths lie, and only when browser mode restricts it.
      if (files.restricted) for (const path of paths) await files.pathToRead(path, 'The dropped file')
      return runImport({ kind: 'files', paths, ...(className ? { className } : {}) })
    },
    'images:import-cancel': ({ importId }) => ({ cancelled: imports.cancel(importId) })
  }
}
