import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { HistoryStore } from '../../electron/store/history/history-store'
import { encodeImage, renderPart } from '../../electron/services/demo/parts'
import { createTinyProject } from '../unit/inspection/fixture'
import { CHROMIUM_PATH, ChromiumMissingError, launchChromiumWithCamera, openApp, type E2eBrowser } from './support/browser'
import { startBrowserMode, type BrowserModeServer } from './support/serve'
import { H, W, writeY4m } from './support/y4m'

/**
 * One part, one verdict (Chromium, browser mode, fake camera): the camera shows the empty
 * belt, then three parts, each standing still for two seconds with empty belt between.
 * Continuous mode with its default rule (part presence) inspects and records each part
 * once: exactly 3 history rows, where looking at every frame made dozens.
 * And the trigger key: Space with a button focused inspects and does not press the button.
 */
const FPS = 10
/** Frames a part stands still (2 s), and of empty belt after each part (5 s). */
const PART = 2 * FPS
const BELT = 5 * FPS

describe('part presence and the trigger key on the Inspect screen (Chromium, browser mode)', () => {
  let dir: string
  let historyFile: string
  let server: BrowserModeServer
  let browser: E2eBrowser
  let page: Page
  let pageErrors: string[] = []

  beforeAll(async () => {
    if (!existsSync(CHROMIUM_PATH)) throw new ChromiumMissingError()
    dir = await mkdtemp(join(tmpdir(), 'ds-e2e-presence-'))
    const store = createTinyProject(dir)
    // Looked at 10 times a second; a loaded CI box must not turn verdicts into NO_VERDICT.
    store.settings.set('inspection', { deadlineMs: 60_000, rateHz: 10 })
    historyFile = join(dir, 'line.history.sqlite')
    store.close()
    // The demo's own drawing: the belt alone, and three washers on it.
    const frames = join(dir, 'frames')
    await mkdir(frames)
    const png = async (name: string, present: boolean, seed: number): Promise<string> => {
      const file = join(frames, `${name}.png`)
      await writeFile(file, await encodeImage(renderPart({ kind: 'good', width: W, height: H, colour: true, seed, present })))
      return file
    }
    const belt = await png('belt', false, 1)
    const parts = [await png('part-1', true, 11), await png('part-2', true, 12), await png('part-3', true, 13)]
    // part, belt, part, belt, part, belt (the video loops): wherever it starts, the test
    // stops the session in the 5 s of belt after the third part it saw.
    const video = join(dir, 'belt.y4m')
    const sequence = parts.flatMap((p) => [...Array<string>(PART).fill(p), ...Array<string>(BELT).fill(belt)])
    await writeY4m(video, sequence, 1)
    server = await startBrowserMode({ args: ['--project', store.file] })
    browser = await launchChromiumWithCamera(video, { viewport: { width: 1400, height: 900 } })
    page = browser.page
    pageErrors = browser.pageErrors
  })

  afterAll(async () => {
    await browser?.close()
    await server?.stop()
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it('three parts standing still in turn, with empty belt between, give exactly three history rows', async () => {
    await openApp(page, server.url, '/inspect')
    await page.getByTestId('inspect-model').waitFor({ state: 'visible' })
    expect(await page.getByTestId('inspect-continuous-rule').inputValue()).toBe('part-presence')
    await page.getByTestId('inspect-source-camera').check()
    await page.getByTestId('inspect-start').click()
    const presence = page.getByTestId('inspect-presence')
    await presence.waitFor({ state: 'visible' })
    // The camera (a looping video) may have been at a part when the session started, which
    // the rule would learn as the belt: as an operator would, relearn the belt once it is
    // clear, here right after a part left (the video's own pixels say when).
    // Mean green level of the video, 32×24 (a page script: this file is typed for Node).
    const brightness = async (): Promise<number> =>
      Number(
        await page.evaluate(`(() => {
          const c = document.createElement('canvas')
          c.width = 32
          c.height = 24
          const ctx = c.getContext('2d')
          ctx.drawImage(document.querySelector('[data-testid="inspect-video"]'), 0, 0, 32, 24)
          const d = ctx.getImageData(0, 0, 32, 24).data
          let sum = 0
          for (let i = 0; i < d.length; i += 4) sum += d[i + 1]
          return sum / (d.length / 4)
        })()`)
      )
    // A part is brighter than the belt: a drop of the mean level after a bright stretch is a part leaving.
    let brightest = -Infinity
    const partLeft = async (): Promise<boolean> => {
      const b = await brightness()
      brightest = Math.max(brightest, b)
      return brightest - b > 10
    }
    await expect.poll(partLeft, { timeout: 60_000, interval: 50 }).toBe(true)
    await page.getByTestId('inspect-presence-relearn').click()
    await expect.poll(() => presence.getAttribute('data-state'), { timeout: 30_000, interval: 50 }).toBe('empty')
    // Parts seen before the relearn (none, or the belt mistaken for one) are history already.
    const counted = page.getByTestId('count-inspected')
    const before = Number(await counted.textContent())
    await expect.poll(async () => Number(await counted.textContent()) - before, { timeout: 120_000, interval: 100 }).toBe(3)
    // The third part has left: the belt is empty again (the rule's own state, on screen).
    await expect.poll(() => presence.getAttribute('data-state'), { timeout: 60_000, interval: 100 }).toBe('empty')
    await page.getByTestId('inspect-stop').click()
    await page.getByTestId('inspect-start').waitFor({ state: 'visible' })
    expect(Number(await counted.textContent())).toBe(before + 3)

    const history = HistoryStore.open(historyFile)
    try {
      const rows = history.inspections.list({}, { limit: 100, offset: 0 })
      expect(rows.total).toBe(before + 3)
      expect(new Set(rows.rows.map((r) => r.partId)).size).toBe(before + 3)
    } finally {
      history.close()
    }
    await page.getByTestId('nav-history').click()
    await expect.poll(() => page.getByTestId('history-count').textContent(), { timeout: 60_000 }).toBe(`1–${before + 3} of ${before + 3}`)
    expect(pageErrors).toEqual([])
  })

  it('a tall 200×900 image is fitted whole into the view, with the overlay exactly on the picture', async () => {
    const tall = join(dir, 'tall.png')
    await writeFile(tall, await encodeImage(renderPart({ kind: 'scratch', width: 200, height: 900, colour: false, seed: 5 })))
    await openApp(page, server.url, '/inspect')
    await page.getByTestId('inspect-model').waitFor({ state: 'visible' })
    await page.getByTestId('inspect-source-file').check()
    await page.getByTestId('inspect-file').setInputFiles(tall)
    await page.getByTestId('inspect-verdict').waitFor({ state: 'visible', timeout: 60_000 })
    await page.getByTestId('inspect-image').waitFor({ state: 'visible' })
    const box = (await page.getByTestId('inspect-live').boundingBox())!
    const viewport = page.viewportSize()!
    // The whole view fits the window height, and the picture fits the view.
    expect(box.height).toBeLessThanOrEqual(viewport.height)
    await expect
      .poll(async () => {
        const c = (await page.getByTestId('inspect-overlay').boundingBox())!
        return Math.abs(c.width / c.height - 200 / 900) < 0.02 && c.x >= box.x - 1 && c.x + c.width <= box.x + box.width + 1 && c.y >= box.y - 1 && c.y + c.height <= box.y + box.height + 1
      }, { timeout: 30_000 })
      .toBe(true)
    await page.getByTestId('inspect-stop').click()
    await page.getByTestId('inspect-start').waitFor({ state: 'visible' })
  })

  it('Space with a button focused inspects the current frame and does not press the button', async () => {
    await openApp(page, server.url, '/inspect')
    await page.getByTestId('inspect-model').waitFor({ state: 'visible' })
    await page.getByTestId('inspect-trigger-mode').selectOption('trigger')
    await page.getByTestId('inspect-trigger-now').waitFor({ state: 'visible' })
    await page.getByTestId('inspect-source-camera').check()
    await page.getByTestId('inspect-start').click()
    await expect.poll(() => page.getByTestId('inspect-state').getAttribute('data-state'), { timeout: 60_000 }).toBe('running')
    const pause = page.getByTestId('inspect-pause')
    await pause.focus()
    await page.keyboard.press('Space')
    const counted = page.getByTestId('count-inspected')
    await expect.poll(async () => Number(await counted.textContent()), { timeout: 60_000 }).toBe(1)
    await page.getByTestId('inspect-trigger-now').focus()
    await page.keyboard.press('Space')
    await expect.poll(async () => Number(await counted.textContent()), { timeout: 60_000 }).toBe(2)
    // Neither button was pressed: the session is not paused, and "Inspect now" did not add a third.
    expect(await page.getByTestId('inspect-state').getAttribute('data-state')).toBe('running')
    expect(await pause.textContent()).toMatch(/Pause/)
    await page.getByTestId('inspect-stop').click()
    await page.getByTestId('inspect-start').waitFor({ state: 'visible' })
    expect(Number(await counted.textContent())).toBe(2)
    expect(pageErrors).toEqual([])
  })
})
