import { describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import LabelGrid from '../../renderer/src/components/labelling/LabelGrid.vue'
import type { LabelClass, LabelGridItem } from '../../renderer/src/components/labelling/label-types'
import { gridWindow, moveCursor, scrollTopToReveal } from '../../renderer/src/composables/virtual-grid'

const classes: LabelClass[] = [
  { id: 1, name: 'ok', colour: '#3cb44b', isGood: true, count: 1, train: 1, val: 0 },
  { id: 2, name: 'scratch', colour: '#e6194b', isGood: false, count: 0, train: 0, val: 0 }
]
function makeItems(n: number): LabelGridItem[] {
  return Array.from({ length: n }, (_, i) => ({ id: i + 1, classId: i === 0 ? 1 : null, split: null, originalName: `img-${i + 1}.png`, suggestion: i === 1 ? { classId: 2, confidence: 0.42 } : null }))
}

describe('grid windowing', () => {
  it('renders only the visible rows plus overscan', () => {
    const w = gridWindow({ count: 20_000, viewportWidth: 1000, viewportHeight: 700, scrollTop: 0, tileWidth: 150, tileHeight: 176, overscanRows: 2 })
    expect(w.columns).toBe(6)
    expect(w.rows).toBe(3334)
    expect(w.totalHeight).toBe(3334 * 176)
    expect(w.start).toBe(0)
    expect(w.end).toBe(6 * 6) // ceil(700/176)=4 rows + 2 overscan
    const mid = gridWindow({ count: 20_000, viewportWidth: 1000, viewportHeight: 700, scrollTop: 176 * 1000, tileWidth: 150, tileHeight: 176, overscanRows: 2 })
    expect(mid.start).toBe(998 * 6)
    expect(mid.end - mid.start).toBe(8 * 6)
  })

  it('clamps at the end of the list', () => {
    const w = gridWindow({ count: 10, viewportWidth: 300, viewportHeight: 1000, scrollTop: 5000, tileWidth: 150, tileHeight: 100, overscanRows: 2 })
    expect(w.end).toBe(10)
    expect(w.start).toBeLessThanOrEqual(10)
  })

  it('moves the cursor by keys and scrolls to reveal it', () => {
    expect(moveCursor('ArrowDown', 2, 20, 6, 3)).toBe(8)
    expect(moveCursor('ArrowUp', 2, 20, 6, 3)).toBe(0)
    expect(moveCursor('ArrowRight', 19, 20, 6, 3)).toBe(19)
    expect(moveCursor('End', 0, 20, 6, 3)).toBe(19)
    expect(moveCursor('PageDown', 0, 100, 6, 3)).toBe(18)
    expect(moveCursor('x', 0, 20, 6, 3)).toBeNull()
    expect(scrollTopToReveal(60, 6, 100, 300, 0)).toBe(800) // row 10 bottom at 1100
    expect(scrollTopToReveal(0, 6, 100, 300, 800)).toBe(0)
    expect(scrollTopToReveal(50, 6, 100, 300, 700)).toBe(700)
  })
})

describe('LabelGrid', () => {
  const mountGrid = (items: LabelGridItem[], extra: Record<string, unknown> = {}) =>
    mount(LabelGrid, { props: { items, classes, selected: new Set<number>(), cursor: 0, imageUrl: (id: number) => `thumb://${id}`, ...extra } })

  it('keeps DOM nodes and thumbnail requests bounded with 20,000 images', () => {
    const wrapper = mountGrid(makeItems(20_000))
    const tiles = wrapper.findAll('[data-testid="label-tile"]')
    expect(tiles.length).toBeGreaterThan(0)
    expect(tiles.length).toBeLessThanOrEqual(80)
    expect(wrapper.findAll('img').length).toBe(tiles.length)
    expect(wrapper.get('[data-testid="label-grid"]').attributes('data-count')).toBe('20000')
  })

  it('shows the class, the suggestion with its confidence, or "unlabelled"', () => {
    const wrapper = mountGrid(makeItems(3))
    const tiles = wrapper.findAll('[data-testid="label-tile"]')
    expect(tiles[0]!.text()).toContain('ok')
    expect(tiles[1]!.get('[data-testid="tile-suggestion"]').text()).toBe('scratch? 42%')
    expect(tiles[2]!.text()).toContain('unlabelled')
    expect(tiles[0]!.get('img').attributes('src')).toBe('thumb://1')
  })

  it('reports clicks with their modifiers, and marks selection and cursor', async () => {
    const wrapper = mountGrid(makeItems(5), { selected: new Set([2]), cursor: 3 })
    const tiles = wrapper.findAll('[data-testid="label-tile"]')
    expect(tiles[1]!.attributes('aria-selected')).toBe('true')
    expect(tiles[3]!.classes()).toContain('cursor')
    await tiles[4]!.trigger('click', { shiftKey: true })
    await tiles[0]!.trigger('click', { ctrlKey: true })
    await tiles[2]!.trigger('dblclick')
    expect(wrapper.emitted('select')).toEqual([
      [4, { shift: true, toggle: false }],
      [0, { shift: false, toggle: true }]
    ])
    expect(wrapper.emitted('open')).toEqual([[2]])
  })

  it('moves the cursor with arrows and opens with Enter', async () => {
    const wrapper = mountGrid(makeItems(50), { cursor: 1 })
    const grid = wrapper.get('[data-testid="label-grid"]')
    await grid.trigger('keydown', { key: 'ArrowRight' })
    await grid.trigger('keydown', { key: 'ArrowDown', shiftKey: true })
    await grid.trigger('keydown', { key: 'Enter' })
    // 1024 px / 150 px = 6 columns in the default (unmeasured) viewport
    expect(wrapper.emitted('cursor')).toEqual([[2, { shift: false }], [7, { shift: true }]])
    expect(wrapper.emitted('open')).toEqual([[1]])
  })
})
