/**
 * Keyboard shortcuts of the labelling screen, as a pure mapping from a key event to an
 * action (the view decides what each action does). Keys typed into a text field, select
 * or button are never taken.
 */
export type LabelShortcut =
  | { kind: 'assign'; classIndex: number } // digits 1–9 → the n-th class
  | { kind: 'unlabel' } // 0 or Delete/Backspace clears the label
  | { kind: 'undo' } // Ctrl/Cmd+Z
  | { kind: 'select-all' } // Ctrl/Cmd+A
  | { kind: 'clear-selection' } // Escape
  | { kind: 'help' } // ? opens the keyboard help

export interface KeyLike {
  key: string
  ctrlKey: boolean
  metaKey: boolean
  altKey: boolean
  target: EventTarget | null
}

function isTextEntry(target: EventTarget | null): boolean {
  const el = target as { tagName?: string; isContentEditable?: boolean } | null
  if (!el?.tagName) return false
  return ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName) || el.isContentEditable === true
}

export function labelShortcut(e: KeyLike): LabelShortcut | null {
  if (isTextEntry(e.target) || e.altKey) return null
  const mod = e.ctrlKey || e.metaKey
  if (mod && (e.key === 'z' || e.key === 'Z')) return { kind: 'undo' }
  if (mod && (e.key === 'a' || e.key === 'A')) return { kind: 'select-all' }
  if (mod) return null
  if (/^[1-9]$/.test(e.key)) return { kind: 'assign', classIndex: Number(e.key) - 1 }
  if (e.key === '0' || e.key === 'Delete' || e.key === 'Backspace') return { kind: 'unlabel' }
  if (e.key === 'Escape') return { kind: 'clear-selection' }
  if (e.key === '?') return { kind: 'help' }
  return null
}
