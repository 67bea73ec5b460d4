/**
 * Multi-select as file managers do it: click selects one, Ctrl/Cmd+click toggles one,
 * Shift+click selects the range from the anchor (adding to the selection with Ctrl too).
 * Works on item ids, so the selection survives filtering and reloads.
 */
export interface SelectionState {
  selected: Set<number>
  /** Index the next Shift+click range starts from. */
  anchor: number | null
}

export interface ClickModifiers {
  shift: boolean
  /** Ctrl on Windows/Linux, Cmd on macOS. */
  toggle: boolean
}

export function applyClick(state: SelectionState, ids: readonly number[], index: number, mods: ClickModifiers): SelectionState {
  const id = ids[index]
  if (id === undefined) return state
  if (mods.shift && state.anchor !== null) {
    const [from, to] = state.anchor <= index ? [state.anchor, index] : [index, state.anchor]
    const selected = mods.toggle ? new Set(state.selected) : new Set<number>()
    for (let i = from; i <= to; i++) {
      const rangeId = ids[i]
      if (rangeId !== undefined) selected.add(rangeId)
    }
    return { selected, anchor: state.anchor }
  }
  if (mods.toggle) {
    const selected = new Set(state.selected)
    if (selected.has(id)) selected.delete(id)
    else selected.add(id)
    return { selected, anchor: index }
  }
  return { selected: new Set([id]), anchor: index }
}
