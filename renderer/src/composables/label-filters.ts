import type { LabelGridItem } from '../components/labelling/label-types'

/** The labelling screen's filters. All of them combine (AND). */
export interface LabelFilter {
  /** 'all', 'unlabelled', or a class id. */
  label: 'all' | 'unlabelled' | number
  split: 'all' | 'train' | 'val'
  /** Labelled images whose model suggestion is another class. */
  disagrees: boolean
  /** Images whose suggestion confidence is below `confidenceBelow`. */
  lowConfidence: boolean
  confidenceBelow: number
  /** Only images the model predicts as this class (confusion-matrix cells). */
  predicted: number | null
  /** Case-insensitive part of the file name. */
  search: string
  /** 'imported' keeps import order; 'uncertainty' puts the least confident suggestions first. */
  sort: 'imported' | 'uncertainty'
}

export function defaultLabelFilter(): LabelFilter {
  return { label: 'all', split: 'all', disagrees: false, lowConfidence: false, confidenceBelow: 0.6, predicted: null, search: '', sort: 'imported' }
}

export function applyLabelFilter(items: readonly LabelGridItem[], f: LabelFilter): LabelGridItem[] {
  const search = f.search.trim().toLowerCase()
  const out = items.filter((item) => {
    if (f.label === 'unlabelled' ? item.classId !== null : f.label !== 'all' && item.classId !== f.label) return false
    if (f.split !== 'all' && item.split !== f.split) return false
    const s = item.suggestion ?? null
    if (f.disagrees && !(s && item.classId !== null && s.classId !== item.classId)) return false
    if (f.lowConfidence && !(s && s.confidence < f.confidenceBelow)) return false
    if (f.predicted !== null && s?.classId !== f.predicted) return false
    if (search && !item.originalName.toLowerCase().includes(search)) return false
    return true
  })
  if (f.sort === 'uncertainty') {
    // Most useful first: lowest confidence; images without a suggestion go last. Stable for ties.
    const conf = (i: LabelGridItem) => i.suggestion?.confidence ?? Number.POSITIVE_INFINITY
    out.sort((a, b) => conf(a) - conf(b))
  }
  return out
}

export function isFiltered(f: LabelFilter): boolean {
  const d = defaultLabelFilter()
  return f.label !== d.label || f.split !== d.split || f.disagrees || f.lowConfidence || f.predicted !== null || f.search.trim() !== ''
}
