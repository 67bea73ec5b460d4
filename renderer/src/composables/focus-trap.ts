/**
 * Keep Tab inside a dialog: from the last control Tab goes to the first, from the first
 * Shift+Tab goes to the last. A native modal <dialog> makes the page behind inert, but Tab
 * past its last control still leaves the page (to the browser's own bar) instead of coming back.
 */
const FOCUSABLE = 'a[href], button, input:not([type="hidden"]), select, textarea, summary, [tabindex]:not([tabindex="-1"])'

function focusables(container: HTMLElement): HTMLElement[] {
  return Array.from(container.querySelectorAll<HTMLElement>(FOCUSABLE)).filter(
    (el) => !el.hasAttribute('disabled') && el.closest('[inert]') === null && el.getClientRects().length > 0
  )
}

/** Call from the dialog's keydown; returns true when it moved the focus. */
export function trapTab(e: KeyboardEvent, container: HTMLElement | null): boolean {
  if (e.key !== 'Tab' || !container) return false
  const list = focusables(container)
  if (list.length === 0) {
    e.preventDefault()
    container.focus()
    return true
  }
  const active = document.activeElement as HTMLElement | null
  const inside = active !== null && container.contains(active)
  const first = list[0]!
  const last = list[list.length - 1]!
  if (e.shiftKey && (!inside || active === first || active === container)) {
    e.preventDefault()
    last.focus()
    return true
  }
  if (!e.shiftKey && (!inside || active === last)) {
    e.preventDefault()
    first.focus()
    return true
  }
  return false
}

/** Focus what had it before a dialog opened, if it is still on the page. */
export function restoreFocus(opener: Element | null): void {
  if (opener instanceof HTMLElement && opener.isConnected) opener.focus()
}
