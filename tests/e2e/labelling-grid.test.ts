import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeBigProject } from './support/big-project'
import { launchChromium, openApp, saveScreenshot, type E2eBrowser } from './support/browser'
import { startBrowserMode, type BrowserModeServer } from './support/serve'

// docs/decisions.md (Test data stands in for the real thing): with 20,000 images the grid keeps a bounded number of DOM nodes and of
// thumbnail requests while scrolling. Real server, real store, real WebSocket and media route.
const IMAGES = 20_000

describe('labelling grid with 20,000 images (browser mode)', () => {
  let dir: string
  let server: BrowserModeServer
  let browser: E2eBrowser
  const thumbnailRequests: string[] = []

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ds-e2e-grid-'))
    const project = join(dir, 'big.dsproj')
    await makeBigProject(project, IMAGES)
    server = await startBrowserMode({ args: ['--project', project] })
    browser = await launchChromium({ viewport: { width: 1280, height: 800 } })
    browser.page.on('request', (r) => {
      if (r.url().includes('/media/image/') && r.url().includes('thumb=1')) thumbnailRequests.push(r.url())
    })
  })
  afterAll(async () => {
    await browser?.close()
    await server?.stop()
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it('loads every image into the grid but renders and fetches only what is on screen', async () => {
    const { page } = browser
    await openApp(page, server.url, '/label')
    await page.waitForSelector(`[data-testid="label-grid"][data-count="${IMAGES}"]`, { timeout: 120_000 })
    await page.getByTestId('label-tile').first().waitFor()
    const domNodes = () => page.evaluate('document.getElementsByTagName("*").length') as Promise<number>
    const tiles = () => page.getByTestId('label-tile').count()

    const firstTiles = await tiles()
    expect(firstTiles).toBeGreaterThan(10)
    expect(firstTiles).toBeLessThan(150)
    const baselineNodes = await domNodes()
    expect(baselineNodes).toBeLessThan(2000)
    await saveScreenshot(page, 'label-grid-20000')

    // Scroll with the wheel, a screen at a time, as a person would.
    const grid = page.getByTestId('label-grid')
    await grid.hover()
    const steps = 15
    let largestWindow = firstTiles
    const firstIndex = async () => Number(await page.getByTestId('label-tile').first().getAttribute('data-index'))
    let previous = await firstIndex()
    for (let i = 0; i < steps; i++) {
      await page.mouse.wheel(0, 700)
      // The first rendered tile moves down the list with every wheel step (how far depends on
      // the tile size and the window's width, so only the direction is asserted). Polled from
      // here: the page's CSP forbids the string evaluation waitForFunction would need.
      await expect.poll(firstIndex, { timeout: 10_000 }).toBeGreaterThan(previous)
      previous = await firstIndex()
      const rendered = await tiles()
      expect(rendered).toBeLessThan(150)
      largestWindow = Math.max(largestWindow, rendered)
    }
    // Then jump far down (scrollbar drag / End key).
    await grid.focus()
    await page.keyboard.press('End')
    await page.waitForSelector(`[data-testid="label-tile"][data-index="${IMAGES - 1}"]`)
    expect(await tiles()).toBeLessThan(150)
    expect(await domNodes()).toBeLessThan(baselineNodes + 500)

    // Requests: only tiles that were rendered at some point, never the whole project. Each
    // scroll step (and the first screen, and the jump to the end) renders at most one
    // window of tiles, so the requests stay under one window per step.
    const bound = largestWindow * (steps + 2)
    console.log(`grid: ${firstTiles} tiles on screen, ${thumbnailRequests.length} thumbnail requests for ${IMAGES} images (bound ${bound})`)
    expect(thumbnailRequests.length).toBeGreaterThan(0)
    expect(thumbnailRequests.length).toBeLessThan(bound)
    expect(thumbnailRequests.length).toBeLessThan(IMAGES / 20)
    await saveScreenshot(page, 'label-grid-20000-end')
  })
})
