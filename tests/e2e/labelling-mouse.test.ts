import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium, openApp, saveScreenshot, type E2eBrowser } from './support/browser'
import { startBrowserMode, type BrowserModeServer } from './support/serve'
import { makeSmallProject } from './support/small-project'

/**
 * Issue 11 item 7: labelling by mouse as well as keys — class buttons for the selection
 * and in the viewer, a right-click menu, each class's key shown, `?` opens the help.
 * The good class is `free`, not `ok`.
 */
describe('labelling by mouse (Chromium, browser mode)', () => {
  let dir: string
  let server: BrowserModeServer
  let browser: E2eBrowser

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ds-e2e-mouse-'))
    const file = join(dir, 'tiles.dsproj')
    await makeSmallProject(file, { count: 12, classes: ['free', 'crack', 'blowhole'] })
    server = await startBrowserMode({ args: ['--project', file] })
    browser = await launchChromium()
  })
  afterAll(async () => {
    await browser?.close()
    await server?.stop()
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it('labels a selection with the class buttons, one image from the right-click menu, one in the viewer', async () => {
    const { page } = browser
    await openApp(page, server.url, '/label')
    await expect.poll(() => page.getByTestId('filter-count').textContent()).toBe('12 of 12 images')
    const tiles = page.getByTestId('label-tile')

    // Select three tiles with the mouse; the bar offers every class with its key.
    await tiles.nth(0).click()
    await tiles.nth(2).click({ modifiers: ['Shift'] })
    await expect.poll(() => page.getByTestId('label-bar-count').textContent()).toBe('Label 3 selected images as:')
    expect(await page.getByTestId('label-as-crack').textContent()).toMatch(/^\s*2\s+crack/)
    await page.getByTestId('label-as-crack').click()
    await expect.poll(() => page.getByTestId('class-count-crack').textContent()).toBe('3')
    expect(await tiles.nth(1).getByTestId('tile-class').textContent()).toBe('crack')

    // Right click on another tile: the menu labels that one.
    await tiles.nth(5).click({ button: 'right' })
    await page.getByTestId('label-context-menu').waitFor()
    expect(await page.getByTestId('menu-label-blowhole').textContent()).toContain('3')
    await saveScreenshot(page, 'label-context-menu')
    await page.getByTestId('menu-label-blowhole').click()
    await expect.poll(() => page.getByTestId('class-count-blowhole').textContent()).toBe('1')
    expect(await page.getByTestId('label-context-menu').count()).toBe(0)
    expect(await tiles.nth(5).getByTestId('tile-class').textContent()).toBe('blowhole')

    // In the viewer: the class buttons label the image shown.
    await tiles.nth(7).dblclick()
    await page.getByTestId('label-viewer').waitFor()
    await page.getByTestId('viewer-label-as-free').click()
    await expect.poll(() => page.getByTestId('class-count-free').textContent()).toBe('1')
    await page.getByTestId('viewer-close').click()
    expect(await tiles.nth(7).getByTestId('tile-class').textContent()).toBe('free')
  })

  it('opens the keyboard help with ?, naming the key of each class', async () => {
    const { page } = browser
    await page.getByTestId('label-grid').focus()
    await page.keyboard.press('?')
    await page.getByTestId('label-keyboard-help').waitFor()
    expect(await page.getByTestId('help-key-free').textContent()).toMatch(/1\s*label as free/)
    expect(await page.getByTestId('help-key-blowhole').textContent()).toMatch(/3\s*label as blowhole/)
    await saveScreenshot(page, 'label-keyboard-help')
    await page.keyboard.press('Escape')
    await page.getByTestId('label-keyboard-help').waitFor({ state: 'detached' })
    expect(browser.pageErrors).toEqual([])
  })
})
