import type { Page } from 'playwright-core'

/**
 * Tab through a screen as a keyboard user does and report what a mouse user could reach
 * but a keyboard user could not, and what got focus without showing it.
 *
 * - unreached: visible, enabled controls (buttons, links, fields, summaries, anything with a
 *   tabindex ≥ 0 or a widget role) that Tab never lands on;
 * - mouseOnly: visible elements that look clickable (cursor: pointer) but are not controls
 *   and sit in no control (a div with a click handler);
 * - noRing: elements that took focus but draw no focus indicator (outline or box-shadow).
 */
// page.evaluate callbacks run in the browser; Node's types have no DOM, so name what they use.
interface El {
  tagName: string
  id: string
  dataset: Record<string, string | undefined>
  tabIndex: number
  parentElement: El | null
  getAttribute(n: string): string | null
  hasAttribute(n: string): boolean
  getClientRects(): { length: number }
  getBoundingClientRect(): { width: number; height: number }
  closest(s: string): El | null
  matches(s: string): boolean
  textContent: string | null
  checkVisibility(opts?: { visibilityProperty?: boolean; contentVisibilityAuto?: boolean }): boolean
}
declare const document: { activeElement: El | null; body: El; querySelectorAll(s: string): Iterable<El> }
declare const window: { __kbd?: { seen: Set<El>; noRing: string[] } }
declare function getComputedStyle(el: El, pseudo?: string): { outlineStyle: string; outlineWidth: string; boxShadow: string; cursor: string; visibility: string; display: string }

export interface KeyboardWalk {
  reached: number
  unreached: string[]
  mouseOnly: string[]
  noRing: string[]
}

const CONTROL = 'a[href], button, input:not([type="hidden"]), select, textarea, summary, [tabindex], [role="button"], [role="tab"], [role="checkbox"], [role="switch"], [role="slider"], [role="option"], [role="menuitem"], [contenteditable="true"]'

export async function keyboardWalk(page: Page, opts: { maxTabs?: number; within?: string } = {}): Promise<KeyboardWalk> {
  const within = opts.within ?? 'body'
  // Start from the top of the document.
  await page.evaluate(() => {
    const el = document.activeElement as unknown as { blur?: () => void } | null
    el?.blur?.()
    window.__kbd = { seen: new Set(), noRing: [] }
  })
  const candidates = await page.evaluate(
    ({ sel, root }) => {
      let n = 0
      const all = [...document.querySelectorAll(sel)].filter((el) => el.closest(root))
      for (const el of all) {
        const s = getComputedStyle(el)
        const box = el.getBoundingClientRect()
        // checkVisibility: also false inside a closed <details> (its content is skipped, not hidden).
        const shown = el.checkVisibility({ visibilityProperty: true }) && s.visibility !== 'hidden' && box.width > 0 && box.height > 0
        const off = el.hasAttribute('disabled') || el.closest('[inert], fieldset[disabled]') !== null || el.tabIndex < 0 || el.getAttribute('aria-hidden') === 'true'
        if (shown && !off) n++
      }
      return { count: n }
    },
    { sel: CONTROL, root: within }
  )
  const maxTabs = opts.maxTabs ?? candidates.count + 20
  for (let i = 0; i < maxTabs; i++) {
    await page.keyboard.press('Tab')
    await page.evaluate(() => {
      const el = document.activeElement
      if (!el || el === document.body || !window.__kbd) return
      if (window.__kbd.seen.has(el)) return
      window.__kbd.seen.add(el)
      const s = getComputedStyle(el)
      const ring = (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none'
      // A visually hidden native input (checkbox, radio, file) shows focus on its label or wrapper.
      const wrapper = el.closest('label, .check, .radio, .tile, .pick')
      const wrapperRing = wrapper !== null && ((getComputedStyle(wrapper).outlineStyle !== 'none' && parseFloat(getComputedStyle(wrapper).outlineWidth) > 0) || getComputedStyle(wrapper).boxShadow !== 'none')
      if (!ring && !wrapperRing) window.__kbd.noRing.push(`${el.tagName.toLowerCase()}${el.dataset.testid ? `[data-testid=${el.dataset.testid}]` : ''} "${(el.getAttribute('aria-label') ?? el.textContent ?? '').trim().slice(0, 30)}"`)
    })
  }
  return page.evaluate(
    ({ sel, root }) => {
      const kbd = window.__kbd!
      const describe = (el: El) => `${el.tagName.toLowerCase()}${el.dataset.testid ? `[data-testid=${el.dataset.testid}]` : el.id ? `#${el.id}` : ''} "${(el.getAttribute('aria-label') ?? el.textContent ?? '').trim().replace(/\s+/g, ' ').slice(0, 30)}"`
      const shown = (el: El) => {
        const s = getComputedStyle(el)
        const box = el.getBoundingClientRect()
        return el.checkVisibility({ visibilityProperty: true }) && s.visibility !== 'hidden' && box.width > 0 && box.height > 0
      }
      const unreached: string[] = []
      for (const el of document.querySelectorAll(sel)) {
        if (!el.closest(root) || !shown(el)) continue
        if (el.hasAttribute('disabled') || el.closest('[inert], fieldset[disabled]') !== null || el.tabIndex < 0 || el.getAttribute('aria-hidden') === 'true') continue
        // A radio group is one tab stop: the arrows move within it.
        if (el.matches('input[type="radio"]') && [...kbd.seen].some((s) => s.matches('input[type="radio"]') && s.getAttribute('name') === el.getAttribute('name'))) continue
        // A visually hidden input inside a reached label counts as reached through it.
        if (!kbd.seen.has(el)) unreached.push(describe(el))
      }
      const mouseOnly: string[] = []
      for (const el of document.querySelectorAll('body *')) {
        if (!el.closest(root) || !shown(el)) continue
        if (getComputedStyle(el).cursor !== 'pointer') continue
        if (el.closest(sel) || el.closest('label')) continue
        // Only the outermost pointer element of a group is reported.
        if (el.parentElement && getComputedStyle(el.parentElement).cursor === 'pointer' && !el.parentElement.closest(sel)) continue
        mouseOnly.push(describe(el))
      }
      return { reached: kbd.seen.size, unreached, mouseOnly, noRing: kbd.noRing }
    },
    { sel: CONTROL, root: within }
  )
}

export interface DialogWalk {
  /** The focus was inside the dialog as soon as it opened. */
  focusedOnOpen: boolean
  /** How many distinct controls inside the dialog Tab and Shift+Tab reached. */
  reachedInside: number
  /** What Tab or Shift+Tab focused outside the dialog (a trap lets nothing out). */
  escapedTo: string[]
  /** Escape closed it. */
  closedByEscape: boolean
  /** The focus went back to what opened it. */
  focusReturned: boolean
  /** Where the focus was after closing, when not back on the opener. */
  focusAfter: string
}

/**
 * A dialog as a keyboard user meets it: `open` opens it with keys from the element that has
 * the focus now (the opener); then Tab and Shift+Tab go round it, twice its controls each
 * way, and must stay inside; Escape closes it; the focus must be back on the opener.
 */
export async function dialogWalk(page: Page, dialog: string, open: () => Promise<void>): Promise<DialogWalk> {
  await page.evaluate(() => {
    const el = document.activeElement
    if (el && el !== document.body) (el as unknown as { dataset: Record<string, string> }).dataset.kbdOpener = '1'
  })
  await open()
  await page.locator(dialog).first().waitFor({ state: 'visible' })
  const inside = (sel: string) =>
    page.evaluate((s) => {
      const el = document.activeElement
      const box = [...document.querySelectorAll(s)][0]
      if (!el || !box) return { inside: false, what: 'nothing' }
      const what = `${el.tagName.toLowerCase()}${el.dataset.testid ? `[data-testid=${el.dataset.testid}]` : ''} "${(el.getAttribute('aria-label') ?? el.textContent ?? '').trim().replace(/\s+/g, ' ').slice(0, 30)}"`
      return { inside: el.closest(s) !== null, what }
    }, sel)
  const focusedOnOpen = (await inside(dialog)).inside
  const controls = await page.locator(dialog).first().locator(CONTROL).count()
  const seen = new Set<string>()
  const escapedTo: string[] = []
  for (const key of ['Tab', 'Shift+Tab']) {
    for (let i = 0; i < 2 * controls + 2; i++) {
      await page.keyboard.press(key)
      const at = await inside(dialog)
      if (at.inside) seen.add(at.what)
      else if (!escapedTo.includes(at.what)) escapedTo.push(at.what)
    }
  }
  await page.keyboard.press('Escape')
  const closedByEscape = await page
    .locator(dialog)
    .first()
    .waitFor({ state: 'hidden', timeout: 3_000 })
    .then(() => true)
    .catch(() => false)
  const after = await page.evaluate(() => {
    const el = document.activeElement
    const returned = el?.dataset.kbdOpener === '1'
    for (const marked of document.querySelectorAll('[data-kbd-opener]')) delete (marked as unknown as { dataset: Record<string, string> }).dataset.kbdOpener
    return { returned, what: el ? `${el.tagName.toLowerCase()}${el.dataset.testid ? `[data-testid=${el.dataset.testid}]` : ''}` : 'nothing' }
  })
  return { focusedOnOpen, reachedInside: seen.size, escapedTo, closedByEscape, focusReturned: after.returned, focusAfter: after.returned ? '' : after.what }
}
