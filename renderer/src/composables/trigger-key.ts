import { onBeforeUnmount, onMounted } from 'vue'

/**
 * The inspection trigger key (Space by default; a foot pedal types one too), shared by the
 * Inspect screen and the operator view. The key always means "inspect now" while trigger
 * mode is on, even with a button focused: the browser would otherwise also press that
 * button (Space clicks a focused button on key-up, toggles a focused checkbox), so both
 * key-down and key-up are taken. It yields only where the user is typing. A held key
 * inspects once, not at the key-repeat rate.
 */
export interface TriggerKeyOptions {
  /** KeyboardEvent.code of the trigger key, e.g. 'Space'. */
  code: () => string
  /** Trigger mode is on and a session can take a frame. */
  enabled: () => boolean
  trigger: () => void
  /** Runs first on key-down; returning true means the event was handled (e.g. a key being chosen). */
  before?: (e: KeyboardEvent) => boolean
}

/** Input types where a key press edits text (every other input is pressed, like a button). */
const TEXT_INPUTS = new Set(['text', 'search', 'email', 'number', 'password', 'tel', 'url', 'date', 'datetime-local', 'month', 'time', 'week'])

/** True where a key press belongs to what the user is typing into. */
export function isTypingTarget(target: EventTarget | null): boolean {
  if (!target || typeof (target as HTMLElement).tagName !== 'string') return false
  const el = target as HTMLElement
  if (el.isContentEditable) return true
  if (el.tagName === 'TEXTAREA' || el.tagName === 'SELECT') return true
  return el.tagName === 'INPUT' && TEXT_INPUTS.has(((el as HTMLInputElement).type || 'text').toLowerCase())
}

export function useTriggerKey(opts: TriggerKeyOptions): { onKeyDown: (e: KeyboardEvent) => void; onKeyUp: (e: KeyboardEvent) => void } {
  function ours(e: KeyboardEvent): boolean {
    return e.code === opts.code() && opts.enabled() && !isTypingTarget(e.target)
  }
  function onKeyDown(e: KeyboardEvent): void {
    if (opts.before?.(e)) return
    if (!ours(e)) return
    e.preventDefault()
    if (!e.repeat) opts.trigger()
  }
  function onKeyUp(e: KeyboardEvent): void {
    if (ours(e)) e.preventDefault()
  }
  onMounted(() => {
    window.addEventListener('keydown', onKeyDown)
    window.addEventListener('keyup', onKeyUp)
  })
  onBeforeUnmount(() => {
    window.removeEventListener('keydown', onKeyDown)
    window.removeEventListener('keyup', onKeyUp)
  })
  return { onKeyDown, onKeyUp }
}
