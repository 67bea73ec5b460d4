import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium, openApp, type E2eBrowser } from './support/browser'
import { startBrowserMode, type BrowserModeServer } from './support/serve'

/**
 * Issue 11 item 13, a first run as a new user meets it (Chromium, browser mode, no camera
 * and no photos): the empty Projects screen's "Try the demo" makes the sample project and
 * trains it on the Train screen; when the run ends, live inspection opens by itself on the
 * Demo camera (generated parts on a belt, every third with a defect), and its verdicts come
 * one per part: PASS for the good ones, FAIL for the defects.
 */
describe('first run: the demo ends in live inspection on the Demo camera (Chromium, browser mode)', () => {
  let server: BrowserModeServer
  let browser: E2eBrowser

  beforeAll(async () => {
    server = await startBrowserMode()
    browser = await launchChromium({ viewport: { width: 1400, height: 900 } })
  })
  afterAll(async () => {
    await browser?.close()
    await server?.stop()
  })

  it('Try the demo → training on the Train screen → live inspection with PASS and FAIL verdicts', async () => {
    const { page } = browser
    await openApp(page, server.url, '/projects')
    await page.getByTestId('projects-try-demo').click()
    // The Train screen, with the demo's run going and the note of what comes next.
    await page.getByTestId('train-demo-next').waitFor({ state: 'visible', timeout: 120_000 })
    const started = Date.now()
    // The run ends (about 35 CPU-seconds): Inspect opens by itself, running on the Demo camera.
    await page.getByTestId('inspect-demo-camera').waitFor({ state: 'visible', timeout: 240_000 })
    const trainedIn = (Date.now() - started) / 1000
    expect(await page.getByTestId('inspect-state').getAttribute('data-state')).toBe('running')
    expect(await page.getByTestId('inspect-presence').getAttribute('data-state')).not.toBeNull()
    const live = Date.now()
    const count = async (id: string): Promise<number> => Number(await page.getByTestId(id).textContent())
    // Parts 0, 1 good, 2 scratched, 3 good: four parts, one verdict each, about 6 s apart.
    await expect.poll(() => count('count-inspected'), { timeout: 120_000, interval: 250 }).toBeGreaterThanOrEqual(4)
    const liveFor = (Date.now() - live) / 1000
    const [inspected, passed, failed, none] = await Promise.all(['count-inspected', 'count-passed', 'count-failed', 'count-no-verdict'].map(count))
    console.log(`demo e2e: trained and opened live in ${trainedIn.toFixed(0)} s; ${inspected} verdicts (${passed} PASS, ${failed} FAIL, ${none} none) in ${liveFor.toFixed(0)} s live`)
    expect(passed).toBeGreaterThanOrEqual(2)
    expect(failed).toBeGreaterThanOrEqual(1)
    expect(none).toBe(0)
    // The last failure shown is the defect the belt brought (the Demo camera's third part).
    await expect.poll(async () => (await page.getByTestId('inspect-failures').textContent()) ?? '', { timeout: 10_000 }).toMatch(/scratch|stain|no-hole/)
    await page.getByTestId('inspect-stop').click()
    await page.getByTestId('inspect-start').waitFor({ state: 'visible' })
    expect(browser.pageErrors).toEqual([])
  })
})
