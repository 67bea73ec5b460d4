import { defineStore } from 'pinia'
import { computed, reactive, ref } from 'vue'
import type { HistoryFilter, InspectionRecord, PayloadOf, Verdict } from '../../../shared/contract/index'
import { errorMessage, useApi } from '../api/index'
import { formatNumber, translate } from '../i18n/index'
import { useAppStatusStore } from './app-status'
import { resetOnProjectSwitch } from './project-scope'

/** The filter form as typed: text fields hold what the user typed, turned into a HistoryFilter on apply. */
export interface HistoryFilterForm {
  from: string
  to: string
  verdict: '' | Verdict
  className: string
  modelVersion: string | number
}

/** An operator's correction, as the override channel takes it (the row id comes from the selection). */
export type HistoryCorrection = Omit<PayloadOf<'history:override'>, 'id'>

const EMPTY_FILTER: HistoryFilterForm = { from: '', to: '', verdict: '', className: '', modelVersion: '' }

/** Rows per page of the history table. */
export const HISTORY_PAGE = 50

/**
 * The open project's inspection history: filtered pages of records, the selected one with
 * its kept image, CSV export and operator corrections.
 */
export const useHistoryStore = defineStore('history', () => {
  const api = useApi()
  const appStatus = useAppStatusStore()
  const filter = reactive<HistoryFilterForm>({ ...EMPTY_FILTER })
  /** The active classifier's good class: a correction to PASS takes it, one to FAIL any other. */
  const goodClass = ref<string | null>(null)
  /** Whether any filter is set: an empty result then means "no match", not "nothing recorded". */
  const filtered = computed(() => Boolean(filter.from || filter.to || filter.verdict || filter.className.trim() || String(filter.modelVersion).trim()))
  function clearFilter(): Promise<void> {
    Object.assign(filter, EMPTY_FILTER)
    return applyFilter()
  }
  const rows = ref<InspectionRecord[]>([])
  const total = ref(0)
  const offset = ref(0)
  const state = ref<'idle' | 'loading' | 'error'>('idle')
  const error = ref<string | null>(null)
  const notice = ref<string | null>(null)
  const selected = ref<InspectionRecord | null>(null)
  const selectedImage = ref<string | null>(null)
  const busy = ref(false)
  /** The active classifier's classes: what a correction may choose from. */
  const classes = ref<string[]>([])

  function toFilter(): HistoryFilter {
    const f: HistoryFilter = {}
    if (filter.from) f.from = new Date(filter.from).toISOString()
    if (filter.to) f.to = new Date(filter.to).toISOString()
    if (filter.verdict) f.verdict = filter.verdict
    if (filter.className.trim()) f.className = filter.className.trim()
    const version = String(filter.modelVersion).trim()
    if (version && Number.isInteger(Number(version))) f.modelVersion = Number(version)
    return f
  }

  async function load(): Promise<void> {
    if (!appStatus.project) return
    state.value = 'loading'
    try {
      const r = await api.request('history:list', { ...toFilter(), limit: HISTORY_PAGE, offset: offset.value })
      rows.value = r.rows
      total.value = r.total
      state.value = 'idle'
      error.value = null
    } catch (e) {
      state.value = 'error'
      error.value = errorMessage(e)
    }
  }

  async function loadClasses(): Promise<void> {
    const s = await api.call('inspection:status', {})
    if (s.ok) {
      classes.value = s.value.models.classifier?.classes ?? []
      goodClass.value = s.value.models.classifier?.goodClass ?? null
    }
  }

  function applyFilter(): Promise<void> {
    offset.value = 0
    return load()
  }

  function page(delta: -1 | 1): Promise<void> {
    offset.value = Math.max(0, offset.value + delta * HISTORY_PAGE)
    return load()
  }

  /** The filtered history as CSV text (null on failure, with the error shown). */
  async function exportCsv(): Promise<{ csv: string; rows: number } | null> {
    try {
      const r = await api.request('history:export-csv', toFilter())
      notice.value = translate('history.exported', { n: r.rows })
      return r
    } catch (e) {
      error.value = errorMessage(e)
      return null
    }
  }

  /** Select a row; its kept image is served by URL (no bytes through the API). */
  async function select(r: InspectionRecord): Promise<void> {
    selected.value = r
    selectedImage.value = r.imageKept ? api.imageUrl(r.id, { kind: 'inspection' }) : null
  }

  /** Record a correction of the selected inspection; true when it was saved. */
  async function correct(v: HistoryCorrection): Promise<boolean> {
    if (!selected.value) return false
    busy.value = true
    try {
      const r = await api.request('history:override', { id: selected.value.id, ...v })
      notice.value = r.imageId ? translate('history.correctedAdded', { className: v.className }) : translate('history.correctedNoImage')
      selected.value = r.record
      await load()
      return true
    } catch (e) {
      error.value = errorMessage(e)
      return false
    } finally {
      busy.value = false
    }
  }

  // Another project has its own history file: nothing of the last one's view carries over.
  resetOnProjectSwitch(() => {
    Object.assign(filter, EMPTY_FILTER)
    offset.value = 0
    rows.value = []
    total.value = 0
    selected.value = null
    selectedImage.value = null
    notice.value = null
    error.value = null
    classes.value = []
  })

  const pageText = computed(() =>
    total.value === 0 ? '' : translate('history.page', { first: formatNumber(offset.value + 1, 'integer'), last: formatNumber(Math.min(total.value, offset.value + HISTORY_PAGE), 'integer'), total: formatNumber(total.value, 'integer') })
  )

  return { goodClass, filtered, clearFilter, filter, rows, total, offset, state, error, notice, selected, selectedImage, busy, classes, pageText, load, loadClasses, applyFilter, page, exportCsv, select, correct }
})
