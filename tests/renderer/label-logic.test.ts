import { describe, expect, it } from 'vitest'
import { applyClick } from '../../renderer/src/composables/selection'
import { labelShortcut } from '../../renderer/src/composables/label-shortcuts'
import { applyLabelFilter, defaultLabelFilter } from '../../renderer/src/composables/label-filters'
import type { LabelGridItem } from '../../renderer/src/components/labelling/label-types'

describe('multi-select', () => {
  const ids = [10, 11, 12, 13, 14]
  const empty = { selected: new Set<number>(), anchor: null }

  it('click selects one, ctrl toggles, shift selects a range from the anchor', () => {
    let s = applyClick(empty, ids, 1, { shift: false, toggle: false })
    expect([...s.selected]).toEqual([11])
    s = applyClick(s, ids, 3, { shift: true, toggle: false })
    expect([...s.selected].sort()).toEqual([11, 12, 13])
    s = applyClick(s, ids, 0, { shift: false, toggle: true })
    expect([...s.selected].sort()).toEqual([10, 11, 12, 13])
    s = applyClick(s, ids, 2, { shift: false, toggle: true })
    expect([...s.selected].sort()).toEqual([10, 11, 13])
    expect(s.anchor).toBe(2)
    // Ctrl+Shift adds the range to what is selected.
    s = applyClick(s, ids, 4, { shift: true, toggle: true })
    expect([...s.selected].sort()).toEqual([10, 11, 12, 13, 14])
  })

  it('shift-click upwards selects the range backwards', () => {
    const s = applyClick({ selected: new Set([13]), anchor: 3 }, ids, 1, { shift: true, toggle: false })
    expect([...s.selected].sort()).toEqual([11, 12, 13])
  })
})

describe('labelling shortcuts', () => {
  const key = (k: string, extra: Partial<{ ctrlKey: boolean; metaKey: boolean; altKey: boolean; target: EventTarget | null }> = {}) =>
    labelShortcut({ key: k, ctrlKey: false, metaKey: false, altKey: false, target: null, ...extra })

  it('maps digits to classes, undo, select all, clear and unlabel', () => {
    expect(key('1')).toEqual({ kind: 'assign', classIndex: 0 })
    expect(key('9')).toEqual({ kind: 'assign', classIndex: 8 })
    expect(key('0')).toEqual({ kind: 'unlabel' })
    expect(key('z', { ctrlKey: true })).toEqual({ kind: 'undo' })
    expect(key('z', { metaKey: true })).toEqual({ kind: 'undo' })
    expect(key('a', { ctrlKey: true })).toEqual({ kind: 'select-all' })
    expect(key('Escape')).toEqual({ kind: 'clear-selection' })
    expect(key('x')).toBeNull()
    expect(key('1', { ctrlKey: true })).toBeNull()
  })

  it('never takes keys typed into a field', () => {
    const input = document.createElement('input')
    expect(key('1', { target: input })).toBeNull()
    expect(key('z', { ctrlKey: true, target: document.createElement('textarea') })).toBeNull()
  })
})

describe('filters', () => {
  const items: LabelGridItem[] = [
    { id: 1, classId: 1, split: 'train', originalName: 'a-ok.png', suggestion: { classId: 1, confidence: 0.95 } },
    { id: 2, classId: 2, split: 'val', originalName: 'b-scratch.png', suggestion: { classId: 1, confidence: 0.55 } },
    { id: 3, classId: null, split: null, originalName: 'c.png', suggestion: { classId: 2, confidence: 0.3 } },
    { id: 4, classId: null, split: null, originalName: 'd.png', suggestion: null }
  ]
  const ids = (f: Partial<ReturnType<typeof defaultLabelFilter>>) => applyLabelFilter(items, { ...defaultLabelFilter(), ...f }).map((i) => i.id)

  it('filters by class, unlabelled, split and file name', () => {
    expect(ids({})).toEqual([1, 2, 3, 4])
    expect(ids({ label: 2 })).toEqual([2])
    expect(ids({ label: 'unlabelled' })).toEqual([3, 4])
    expect(ids({ split: 'val' })).toEqual([2])
    expect(ids({ search: 'SCRATCH' })).toEqual([2])
  })

  it('filters by model disagreement, low confidence and predicted class', () => {
    expect(ids({ disagrees: true })).toEqual([2])
    expect(ids({ lowConfidence: true, confidenceBelow: 0.6 })).toEqual([2, 3])
    expect(ids({ predicted: 1 })).toEqual([1, 2])
    expect(ids({ label: 2, predicted: 1 })).toEqual([2])
  })

  it('sorts the least certain first, images without suggestion last', () => {
    expect(ids({ sort: 'uncertainty' })).toEqual([3, 2, 1, 4])
  })
})
