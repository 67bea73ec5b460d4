import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium, openApp, type E2eBrowser } from './support/browser'
import { dialogWalk, type DialogWalk } from './support/keyboard-walk'
import { openProjectInUi } from './support/projects'
import { REPO_ROOT, startBrowserMode, type BrowserModeServer } from './support/serve'
import { makeSmallProject } from './support/small-project'

/**
 * Every dialog of the app and the labelling context menu, from the keyboard only, in
 * Chromium against browser mode. Each dialog keeps Tab inside itself, closes on Escape
 * and gives the focus back to what opened it. The context menu opens with Shift+F10 and
 * with the menu key, and the arrows walk it. The walk of each screen (screens.test.ts)
 * covers what is on the screens; this covers what opens over them.
 */
// page.evaluate callbacks run in the browser (no DOM in Node's types).
declare const document: { activeElement: { dataset: Record<string, string | undefined> } | null }

/** Every dialog in the renderer's sources, by its test id (PathPicker's is `${testid}-dialog`). */
const WALKED = ['label-keyboard-help', 'label-viewer', 'confirm-dialog', 'class-confirm', '${testid}-dialog']

const TRAPPED: Omit<DialogWalk, 'reachedInside'> = { focusedOnOpen: true, escapedTo: [], closedByEscape: true, focusReturned: true, focusAfter: '' }
const result = ({ reachedInside: _, ...rest }: DialogWalk) => rest

describe('dialogs and the context menu from the keyboard (browser mode)', () => {
  let dir: string
  let server: BrowserModeServer
  let browser: E2eBrowser

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ds-e2e-dialogs-'))
    await makeSmallProject(join(dir, 'line.dsproj'), { count: 6, classes: ['free', 'scratch', 'dent'], labelled: { free: 2, scratch: 1 } })
    server = await startBrowserMode({ args: ['--allow-folder', dir] })
    browser = await launchChromium({ viewport: { width: 1280, height: 720 } })
  })
  afterAll(async () => {
    await browser?.close()
    await server?.stop()
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it('this walk covers every dialog in the renderer', async () => {
    const found = new Set<string>()
    const walk = async (d: string): Promise<void> => {
      for (const e of await readdir(d, { withFileTypes: true })) {
        const p = join(d, e.name)
        if (e.isDirectory()) await walk(p)
        else if (e.name.endsWith('.vue') && !p.endsWith('BaseDialog.vue')) {
          const src = await readFile(p, 'utf8')
          for (const m of src.matchAll(/<BaseDialog[^>]*?\s:?testid="`?([^"`]+)`?"/g)) found.add(m[1]!)
          for (const m of src.matchAll(/role="dialog"[^>]*?data-testid="([^"]+)"/g)) found.add(m[1]!)
        }
      }
    }
    await walk(join(REPO_ROOT, 'renderer', 'src'))
    expect([...found].sort()).toEqual([...WALKED].sort())
  })

  it('the keyboard help, the image viewer and the context menu on the Label screen', async () => {
    const { page } = browser
    await openApp(page, server.url, '/projects')
    await openProjectInUi(page, join(dir, 'line.dsproj'))
    await page.getByTestId('label-grid').focus()
    expect(result(await dialogWalk(page, '[data-testid="label-keyboard-help"]', () => page.keyboard.press('?')))).toEqual(TRAPPED)
    expect(await page.evaluate(() => document.activeElement?.dataset.testid)).toBe('label-grid')

    const viewer = await dialogWalk(page, '[data-testid="label-viewer"]', () => page.keyboard.press('Enter'))
    expect(result(viewer)).toEqual(TRAPPED)
    expect(viewer.reachedInside).toBeGreaterThanOrEqual(7) // zoom, fit, previous, next, close, class buttons

    // The context menu: Shift+F10 and the menu key open it on the cursor's tile; the arrows walk it.
    for (const key of ['Shift+F10', 'ContextMenu']) {
      await page.getByTestId('label-grid').focus()
      await page.keyboard.press(key)
      const menu = page.getByTestId('label-context-menu')
      await menu.waitFor({ state: 'visible' })
      const items = await menu.locator('[role="menuitem"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-testid')))
      expect(items.length).toBe(3 + 3) // a label per class, remove, open, delete
      const focused = () => page.evaluate(() => document.activeElement?.dataset.testid)
      const visited = [await focused()]
      for (let i = 1; i < items.length; i++) {
        await page.keyboard.press('ArrowDown')
        visited.push(await focused())
      }
      expect(visited).toEqual(items)
      await page.keyboard.press('ArrowDown')
      expect(await focused()).toBe(items[0]) // wraps
      await page.keyboard.press('ArrowUp')
      expect(await focused()).toBe(items.at(-1))
      await page.keyboard.press('Home')
      expect(await focused()).toBe(items[0])
      await page.keyboard.press('Escape')
      await menu.waitFor({ state: 'detached' })
      expect(await focused()).toBe('label-grid')
    }

    // Delete from the menu asks first (the confirmation dialog); Escape keeps the images.
    await page.keyboard.press('Shift+F10')
    await page.keyboard.press('End')
    expect(await page.evaluate(() => document.activeElement?.dataset.testid)).toBe('menu-delete')
    const confirm = await dialogWalk(page, '[data-testid="confirm-dialog"]', () => page.keyboard.press('Enter'))
    // Its opener (the menu item) has gone with the menu: the focus is back on the grid.
    expect(result({ ...confirm, focusReturned: confirm.focusAfter === 'div[data-testid=label-grid]', focusAfter: '' })).toEqual(TRAPPED)
    await expect.poll(() => page.getByTestId('label-tile').count()).toBe(6)
  })

  it('the class confirmation and the file picker', async () => {
    const { page } = browser
    await page.getByTestId('class-delete-dent').focus()
    expect(result(await dialogWalk(page, '[data-testid="class-confirm"]', () => page.keyboard.press('Enter')))).toEqual(TRAPPED)
    expect(await page.getByTestId('class-row-dent').count()).toBe(1)

    await page.getByTestId('nav-projects').click()
    await page.getByTestId('project-open-browse').focus()
    const picker = await dialogWalk(page, '[data-testid="project-open-browse-dialog"]', () => page.keyboard.press('Enter'))
    expect(result(picker)).toEqual(TRAPPED)
    expect(picker.reachedInside).toBeGreaterThanOrEqual(2)
  })
})
