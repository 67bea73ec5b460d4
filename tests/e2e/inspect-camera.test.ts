import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { HistoryStore } from '../../electron/store/history/history-store'
import { generateSyntheticSet } from '../support/synthetic-defects'
import { createTinyProject } from '../unit/inspection/fixture'
import { CHROMIUM_PATH, ChromiumMissingError, launchChromiumWithCamera, openApp, type E2eBrowser, saveScreenshot } from './support/browser'
import { startBrowserMode, type BrowserModeServer } from './support/serve'
import { writeY4m } from './support/y4m'

/**
 * Live inspection as a person uses it, in Chromium against browser mode: a fake camera
 * (Chromium's --use-file-for-fake-video-capture) plays a .y4m video made here from
 * synthetic part images; verdicts appear on screen, land in the history file beside the
 * project, and show in History with their model version.
 */
describe('live inspection with a fake camera (Chromium, browser mode)', () => {
  let dir: string
  let projectFile: string
  let server: BrowserModeServer
  let browser: E2eBrowser
  let page: Page
  let pageErrors: string[] = []

  beforeAll(async () => {
    if (!existsSync(CHROMIUM_PATH)) throw new ChromiumMissingError()
    dir = await mkdtemp(join(tmpdir(), 'ds-e2e-inspect-'))
    // Threshold 0.99: the tiny random model never reaches it, so every part FAILs and keeps its image.
    const store = createTinyProject(dir, { threshold: 0.99 })
    // A loaded CI box must not turn verdicts into NO_VERDICT (deadline); that path has its own tests.
    // Every frame counts here (the frame path under test); part presence has its own test
    // (inspect-presence.test.ts).
    store.settings.set('inspection', { deadlineMs: 60_000, continuousRule: 'every-frame', heatmap: true })
    projectFile = store.file
    store.close()
    const { files } = await generateSyntheticSet({ root: join(dir, 'parts'), seed: 21, counts: { ok: 4, scratch: 2, spot: 2 }, width: 160, height: 120, colour: 'rgb' })
    const video = join(dir, 'camera.y4m')
    await writeY4m(video, files.map((f) => f.path), 5)
    server = await startBrowserMode({ args: ['--project', projectFile] })
    browser = await launchChromiumWithCamera(video, { viewport: { width: 1400, height: 900 } })
    page = browser.page
    pageErrors = browser.pageErrors
  })

  afterAll(async () => {
    await browser?.close()
    await server?.stop()
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it('shows verdicts from the camera, records them beside the project, and lists them in History', async () => {
    await openApp(page, server.url, '/inspect')
    await page.getByTestId('screen-inspect').waitFor({ state: 'visible' })
    await page.getByTestId('inspect-model').waitFor({ state: 'visible' })
    await page.getByTestId('inspect-source-camera').check()
    await page.getByTestId('inspect-start').click()
    // Verdicts from the engine appear over the live video.
    const verdict = page.getByTestId('inspect-verdict')
    await verdict.waitFor({ state: 'visible', timeout: 60_000 })
    expect(await verdict.getAttribute('data-verdict')).toBe('FAIL')
    // Counters update from the engine's results; poll them (no sleeps as assertions).
    const counted = page.getByTestId('count-inspected')
    await expect.poll(async () => Number(await counted.textContent()), { timeout: 90_000 }).toBeGreaterThanOrEqual(5)
    expect(await verdict.textContent()).toMatch(/model v1/)
    // The frames were read and prepared in the frame worker, off the page's thread
    // (use-camera.ts grabPrepared): a worker that failed would have been terminated (fallback).
    expect(page.workers().map((w) => w.url())).toContainEqual(expect.stringMatching(/frame-prep-worker/))
    // The heatmap: a canvas of its own small size (InspectionLiveView.vue), stretched exactly over the picture.
    const heat = page.getByTestId('inspect-heatmap')
    await heat.waitFor({ state: 'visible', timeout: 30_000 })
    const [heatW, heatH] = await heat.evaluate((c) => [(c as unknown as { width: number }).width, (c as unknown as { height: number }).height])
    expect(heatW).toBeGreaterThan(0)
    expect(Math.max(heatW!, heatH!)).toBeLessThanOrEqual(48)
    expect(await heat.boundingBox()).toEqual(await page.getByTestId('inspect-overlay').boundingBox())
    await saveScreenshot(page, 'inspect-live-camera')
    await page.getByTestId('inspect-stop').click()
    await page.getByTestId('inspect-start').waitFor({ state: 'visible' })
    const inspected = Number(await page.getByTestId('count-inspected').textContent())

    // Every verdict on screen is in the history file beside the project.
    const history = HistoryStore.open(join(dir, 'line.history.sqlite'))
    let rows
    try {
      rows = history.inspections.list({}, { limit: 1000, offset: 0 })
    } finally {
      history.close()
    }
    expect(rows.total).toBe(inspected)
    expect(rows.rows.every((r) => r.source === 'camera' && r.modelVersion === 1 && r.threshold === 0.99 && r.imageKept && /^P-\d{6}$/.test(r.partId))).toBe(true)

    // History lists them, each with its model version.
    await page.getByTestId('nav-history').click()
    await page.getByTestId('history-table').waitFor({ state: 'visible' })
    // Wait for the content, not the container: the count line says how many the services listed.
    await expect.poll(() => page.getByTestId('history-count').textContent(), { timeout: 60_000 }).toBe(`1–${Math.min(inspected, 50)} of ${inspected}`)
    const listed = page.getByTestId('history-row')
    expect(await listed.count()).toBe(Math.min(inspected, 50))
    expect(await page.getByTestId('history-row-model').first().textContent()).toBe('v1')
    await saveScreenshot(page, 'inspect-history')

    // An operator corrects a failed part: the image joins the labelling set as "ok".
    const failed = page.locator('[data-testid="history-row"][data-verdict="FAIL"]').first()
    await failed.click()
    await page.getByTestId('history-image').waitFor({ state: 'visible' })
    await page.getByTestId('history-override').click()
    await page.getByTestId('history-override-verdict').selectOption('PASS')
    await page.getByTestId('history-override-class').selectOption('ok')
    await page.getByTestId('history-override-save').click()
    await page.getByTestId('history-notice').filter({ hasText: 'labelling set' }).waitFor({ timeout: 30_000 })
    const { openProject } = await import('../../electron/store/project-store')
    const store = openProject(projectFile)
    try {
      expect(store.images.count()).toBe(1)
    } finally {
      store.close()
    }
    expect(pageErrors).toEqual([])
  })
})
