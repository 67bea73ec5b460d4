import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import type { ClassInfo } from '../../../shared/contract/projects'
import type { ImageItem, ImportProgressEvent, ImportReportView } from '../../../shared/contract/images'
import type { LabelClass, LabelGridItem } from '../components/labelling/label-types'
import { applyLabelFilter, defaultLabelFilter, type LabelFilter } from '../composables/label-filters'
import { applyClick, type SelectionState } from '../composables/selection'
import { errorMessage, useApi } from '../api/index'
import { translate } from '../i18n/index'
import { resetOnProjectSwitch } from './project-scope'

/** images:list pages are at most 2,000 items (shared/contract/images.ts). */
const PAGE = 2000

/**
 * The labelling screen's state: every image of the project as a small record (20,000
 * records is well under a few MB), filtered in memory so filters answer instantly; the
 * selection; labelling with undo; classes; imports.
 */
export const useLabellingStore = defineStore('labelling', () => {
  const api = useApi()
  // shallowRef: 20,000 records need no deep reactivity; changes replace the array.
  const items = shallowRef<LabelGridItem[]>([])
  const classes = ref<LabelClass[]>([])
  const filter = ref<LabelFilter>(defaultLabelFilter())
  const selection = ref<SelectionState>({ selected: new Set(), anchor: null })
  const cursor = ref(0)
  const loading = ref(false)
  const error = ref<string | null>(null)
  const canUndo = ref(false)
  const importing = ref(false)
  const importProgress = ref<ImportProgressEvent | null>(null)
  const importReport = ref<ImportReportView | null>(null)
  const importError = ref<string | null>(null)
  let unsubscribers: Array<() => void> = []

  const visible = computed(() => applyLabelFilter(items.value, filter.value))
  const visibleIds = computed(() => visible.value.map((i) => i.id))
  const hasSuggestions = computed(() => items.value.some((i) => i.suggestion))

  function toItem(img: ImageItem): LabelGridItem {
    return { id: img.id, sha256: img.sha256, classId: img.classId, split: img.split, originalName: img.originalName, suggestion: img.suggestion ?? null }
  }
  function toClass(c: ClassInfo): LabelClass {
    return { id: c.id, name: c.name, colour: c.colour, isGood: c.isGood, count: c.count, train: c.train, val: c.val }
  }

  async function loadClasses(): Promise<void> {
    classes.value = (await api.request('classes:list', {})).map(toClass)
  }

  async function loadImages(): Promise<void> {
    const all: LabelGridItem[] = []
    for (let offset = 0; ; offset += PAGE) {
      const page = await api.request('images:list', { offset, limit: PAGE })
      for (const img of page.items) all.push(toItem(img))
      // Show the first page at once; the rest fills in behind it.
      if (offset === 0) items.value = [...all]
      if (page.items.length < PAGE || all.length >= page.total) break
    }
    items.value = all
    cursor.value = Math.min(cursor.value, Math.max(0, visible.value.length - 1))
  }

  async function load(): Promise<void> {
    loading.value = true
    try {
      await Promise.all([loadClasses(), loadImages()])
      error.value = null
    } catch (e) {
      error.value = errorMessage(e)
    } finally {
      loading.value = false
    }
  }

  function subscribe(): void {
    if (unsubscribers.length) return
    unsubscribers = [
      api.on('images:import-progress', (p) => {
        importProgress.value = p
      }),
      api.on('images:changed', (c) => {
        // Our own label changes are applied locally already; imports, other windows and
        // inspection overrides need a reload.
        if (c.reason !== 'label') void load()
      })
    ]
  }
  function unsubscribe(): void {
    for (const off of unsubscribers) off()
    unsubscribers = []
  }

  // ---- selection and cursor ----
  function click(index: number, mods: { shift: boolean; toggle: boolean }): void {
    selection.value = applyClick(selection.value, visibleIds.value, index, mods)
    cursor.value = index
  }
  function moveTo(index: number, mods: { shift: boolean }): void {
    if (mods.shift) {
      const anchor = selection.value.anchor ?? cursor.value
      selection.value = applyClick({ ...selection.value, anchor }, visibleIds.value, index, { shift: true, toggle: false })
    } else {
      const id = visibleIds.value[index]
      selection.value = { selected: id === undefined ? new Set() : new Set([id]), anchor: index }
    }
    cursor.value = index
  }
  function selectAll(): void {
    selection.value = { selected: new Set(visibleIds.value), anchor: 0 }
  }
  function clearSelection(): void {
    selection.value = { selected: new Set(), anchor: null }
  }

  /** What a label action applies to: the selection when several are chosen, else the cursor's image. */
  function targets(): number[] {
    const selected = selection.value.selected
    if (selected.size > 1) return visibleIds.value.filter((id) => selected.has(id))
    const id = visibleIds.value[cursor.value]
    return id === undefined ? [] : [id]
  }

  function setLocal(ids: number[], classId: number | null): void {
    const set = new Set(ids)
    items.value = items.value.map((i) => (set.has(i.id) ? { ...i, classId } : i))
  }

  /**
   * Label the targets; a single image auto-advances to the next one. The grid updates at
   * once and is put back if the store refuses.
   */
  async function assign(classId: number | null): Promise<boolean> {
    const ids = targets()
    if (ids.length === 0) return false
    const before = new Map(items.value.filter((i) => ids.includes(i.id)).map((i) => [i.id, i.classId]))
    const single = ids.length === 1
    const oldIndex = cursor.value
    setLocal(ids, classId)
    if (single) advanceFrom(ids[0]!, oldIndex)
    try {
      await api.request('images:set-label', { imageIds: ids, classId })
      canUndo.value = true
      error.value = null
      void loadClasses() // counts changed
      return true
    } catch (e) {
      items.value = items.value.map((i) => (before.has(i.id) ? { ...i, classId: before.get(i.id)! } : i))
      error.value = errorMessage(e)
      return false
    }
  }

  /** After labelling one image: the next image in the list (it may have left the filter). */
  function advanceFrom(id: number, oldIndex: number): void {
    const ids = visibleIds.value
    const stillShown = ids[oldIndex] === id
    const next = Math.min(stillShown ? oldIndex + 1 : oldIndex, Math.max(0, ids.length - 1))
    cursor.value = next
    const nextId = ids[next]
    selection.value = { selected: nextId === undefined ? new Set() : new Set([nextId]), anchor: next }
  }

  async function assignByIndex(classIndex: number): Promise<boolean> {
    const cls = classes.value[classIndex]
    if (!cls) {
      error.value = translate('label.noClassAt', { n: classIndex + 1 })
      return false
    }
    return assign(cls.id)
  }

  /** Revert the last labelling action; true when something was undone. */
  async function undo(): Promise<boolean> {
    try {
      const result = await api.request('images:undo-label', {})
      canUndo.value = result.undone
      if (!result.undone) error.value = translate('label.nothingToUndo')
      await load()
      return result.undone
    } catch (e) {
      error.value = errorMessage(e)
      return false
    }
  }

  /** Remove the targeted images from the project (the screen asks first); how many went. */
  async function deleteImages(): Promise<number> {
    const ids = targets()
    if (ids.length === 0) return 0
    try {
      const r = await api.request('images:delete', { imageIds: ids })
      error.value = null
      selection.value = { selected: new Set(), anchor: null }
      await load()
      return r.deleted
    } catch (e) {
      error.value = errorMessage(e)
      return 0
    }
  }

  // ---- model suggestions ----
  const suggesting = ref(false)
  const suggestNote = ref<string | null>(null)

  /** Ask the active classifier for the images it has not predicted yet, then reload. */
  async function suggest(scope: 'unlabelled' | 'all' = 'unlabelled'): Promise<void> {
    suggesting.value = true
    try {
      const r = await api.request('images:suggest', { scope })
      suggestNote.value = translate(r.failed ? 'label.suggestNoteFailed' : 'label.suggestNote', { version: r.modelVersion, n: r.predicted, failed: r.failed }, r.predicted)
      // Reload even when nothing new was predicted: the active model may have changed.
      await load()
    } catch (e) {
      error.value = errorMessage(e)
    } finally {
      suggesting.value = false
    }
  }

  /**
   * Unlabelled images to accept suggestions for: the selected ones, else every unlabelled
   * image the filters show; only those with a suggestion.
   */
  const acceptable = computed(() => {
    const selected = selection.value.selected
    const pool = selected.size > 0 ? visible.value.filter((i) => selected.has(i.id)) : visible.value
    return pool.filter((i) => i.classId === null && i.suggestion)
  })

  /** Label the acceptable images with their suggested class (one request per class). */
  async function acceptSuggestions(): Promise<number> {
    const byClass = new Map<number, number[]>()
    for (const i of acceptable.value) {
      const ids = byClass.get(i.suggestion!.classId) ?? []
      ids.push(i.id)
      byClass.set(i.suggestion!.classId, ids)
    }
    let accepted = 0
    try {
      for (const [classId, imageIds] of byClass) {
        await api.request('images:set-label', { imageIds, classId })
        setLocal(imageIds, classId)
        accepted += imageIds.length
        canUndo.value = true
      }
      error.value = null
    } catch (e) {
      error.value = errorMessage(e)
    }
    if (accepted > 0) {
      suggestNote.value = translate('label.accepted', { n: accepted }, accepted)
      void loadClasses()
    }
    return accepted
  }

  // ---- classes ----
  /** True when the store accepted the change. */
  async function classAction(action: () => Promise<unknown>): Promise<boolean> {
    let ok = false
    try {
      await action()
      error.value = null
      ok = true
    } catch (e) {
      error.value = errorMessage(e)
    }
    await load()
    return ok
  }
  const createClass = (name: string) => classAction(() => api.request('classes:create', { name }))
  const renameClass = (id: number, name: string) => classAction(() => api.request('classes:update', { id, name }))
  const recolourClass = (id: number, colour: string) => classAction(() => api.request('classes:update', { id, colour }))
  const setGoodClass = (id: number) => classAction(() => api.request('classes:update', { id, isGood: true }))
  const mergeClasses = (sourceId: number, targetId: number) => classAction(() => api.request('classes:merge', { sourceId, targetId }))
  const deleteClass = (id: number) => classAction(() => api.request('classes:delete', { id }))

  /** Another project: nothing of this one (filters above all: class ids differ) carries over. */
  function reset(): void {
    items.value = []
    classes.value = []
    filter.value = defaultLabelFilter()
    selection.value = { selected: new Set(), anchor: null }
    cursor.value = 0
    error.value = null
    canUndo.value = false
    importProgress.value = null
    importReport.value = null
    importError.value = null
    suggestNote.value = null
  }
  resetOnProjectSwitch(reset)

  // ---- import ----
  /** Runs one import with its progress/report/error state; every import source ends here. */
  async function runImport(task: () => Promise<ImportReportView | null>): Promise<void> {
    importing.value = true
    importProgress.value = null
    importReport.value = null
    importError.value = null
    try {
      importReport.value = await task()
    } catch (e) {
      importError.value = errorMessage(e)
    } finally {
      importing.value = false
    }
    await load()
  }
  /** A folder path on the machine running the services (subfolders = classes). */
  const importFolder = (folder: string) => runImport(() => api.request('images:import-folder', { folder }))
  /** Dropped or picked files: uploaded (browser mode) or located (Electron), then imported. */
  const importFiles = (files: File[]) =>
    runImport(async () => {
      const paths = await api.uploadFiles(files)
      return paths.length > 0 ? api.request('images:import-files', { paths }) : null
    })
  /** A folder picked in the file dialog: its class subfolders are kept, as for a typed path. */
  const importPickedFolder = (files: File[]) => runImport(async () => api.request('images:import-folder', { folder: await api.uploadFolder(files) }))
  async function cancelImport(): Promise<void> {
    try {
      await api.request('images:import-cancel', { importId: importProgress.value?.importId })
    } catch (e) {
      importError.value = errorMessage(e)
    }
  }

  return {
    items,
    classes,
    filter,
    selection,
    cursor,
    loading,
    error,
    canUndo,
    deleteImages,
    importing,
    importProgress,
    importReport,
    importError,
    visible,
    hasSuggestions,
    suggesting,
    suggestNote,
    acceptable,
    suggest,
    acceptSuggestions,
    load,
    subscribe,
    unsubscribe,
    click,
    moveTo,
    selectAll,
    clearSelection,
    assign,
    assignByIndex,
    undo,
    createClass,
    renameClass,
    recolourClass,
    setGoodClass,
    mergeClasses,
    deleteClass,
    importFolder,
    importFiles,
    importPickedFolder,
    cancelImport,
    reset
  }
})
