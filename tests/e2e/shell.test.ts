import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium, openApp, saveScreenshot, type E2eBrowser } from './support/browser'
import { startBrowserMode, type BrowserModeServer } from './support/serve'

// The real app in browser mode: built renderer, real services, real WebSocket transport.
const SCREENS = ['projects', 'label', 'train', 'inspect', 'history', 'models'] as const

describe('shell in Chromium (browser mode)', () => {
  let server: BrowserModeServer
  let browser: E2eBrowser

  beforeAll(async () => {
    server = await startBrowserMode()
    browser = await launchChromium()
  })
  afterAll(async () => {
    await browser?.close()
    await server?.stop()
  })

  it('starts, shows the engine state in the status bar and signals ready', async () => {
    const { page } = browser
    await openApp(page, server.url, '/label')
    const engine = await page.getByTestId('status-engine').textContent()
    expect(engine).toMatch(/Engine: (CUDA|DirectML|CoreML|WebGPU|CPU)/)
    const model = await page.getByTestId('status-model').textContent()
    expect(model).toMatch(/no model yet|model v\d+/)
  })

  it('opens every screen from the navigation and keeps a screenshot of each', async () => {
    const { page } = browser
    await openApp(page, server.url, '/label')
    for (const screen of SCREENS) {
      await page.getByTestId(`nav-${screen}`).click()
      await page.getByTestId(`screen-${screen}`).waitFor({ state: 'visible' })
      expect(page.url()).toContain(`#/${screen}`)
      await saveScreenshot(page, `shell-${screen}`)
    }
  })

  it('reaches the navigation with the keyboard', async () => {
    // A fresh tab, so focus starts at the top of the page.
    const page = await browser.context.newPage()
    await openApp(page, server.url, '/label')
    // Tab from the top: skip link first, then the nav items in order.
    await page.keyboard.press('Tab')
    await page.keyboard.press('Tab')
    const focused = await page.locator(':focus').getAttribute('data-testid')
    expect(focused).toBe(`nav-${SCREENS[0]}`)
    await page.keyboard.press('Tab')
    await page.keyboard.press('Enter')
    await page.getByTestId(`screen-${SCREENS[1]}`).waitFor({ state: 'visible' })
    await page.close()
  })

  it('ran without page errors or CSP violations', () => {
    expect(browser.pageErrors).toEqual([])
  })
})
