/**
 * Windowing for a grid of equal tiles: which rows are on screen (plus a few above and
 * below), so a 20,000-image grid keeps a few dozen tiles in the DOM and requests only their
 * thumbnails. Pure functions; the component feeds in its measured size and scroll offset.
 */
export interface GridGeometry {
  /** Number of items in the (filtered) list. */
  count: number
  /** Inner width and height of the scrolling viewport, px. */
  viewportWidth: number
  viewportHeight: number
  scrollTop: number
  /** Tile size including its gap, px. */
  tileWidth: number
  tileHeight: number
  /** Extra rows rendered above and below the visible ones. */
  overscanRows: number
}

export interface GridWindow {
  columns: number
  rows: number
  /** Total scroll height, px. */
  totalHeight: number
  /** Items [start, end) to render. */
  start: number
  end: number
}

export function columnsFor(viewportWidth: number, tileWidth: number): number {
  return Math.max(1, Math.floor(viewportWidth / tileWidth))
}

export function gridWindow(g: GridGeometry): GridWindow {
  const columns = columnsFor(g.viewportWidth, g.tileWidth)
  const rows = Math.ceil(g.count / columns)
  const firstRow = Math.max(0, Math.floor(g.scrollTop / g.tileHeight) - g.overscanRows)
  const lastRow = Math.min(rows, Math.ceil((g.scrollTop + g.viewportHeight) / g.tileHeight) + g.overscanRows)
  return {
    columns,
    rows,
    totalHeight: rows * g.tileHeight,
    start: Math.min(g.count, firstRow * columns),
    end: Math.min(g.count, lastRow * columns)
  }
}

/** The scrollTop that brings item `index` fully into view (unchanged if it already is). */
export function scrollTopToReveal(index: number, columns: number, tileHeight: number, viewportHeight: number, scrollTop: number): number {
  const row = Math.floor(index / columns)
  const top = row * tileHeight
  const bottom = top + tileHeight
  if (top < scrollTop) return top
  if (bottom > scrollTop + viewportHeight) return Math.max(0, bottom - viewportHeight)
  return scrollTop
}

/** Where an arrow / page / home / end key moves the cursor in a grid of `columns`. */
export function moveCursor(key: string, cursor: number, count: number, columns: number, pageRows: number): number | null {
  if (count === 0) return null
  const clamp = (i: number) => Math.min(count - 1, Math.max(0, i))
  switch (key) {
    case 'ArrowRight':
      return clamp(cursor + 1)
    case 'ArrowLeft':
      return clamp(cursor - 1)
    case 'ArrowDown':
      return clamp(cursor + columns)
    case 'ArrowUp':
      return clamp(cursor - columns)
    case 'PageDown':
      return clamp(cursor + columns * pageRows)
    case 'PageUp':
      return clamp(cursor - columns * pageRows)
    case 'Home':
      return 0
    case 'End':
      return count - 1
    default:
      return null
  }
}
