import { execFile } from 'node:child_process'
import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateSyntheticSet } from '../support/synthetic-defects'
import { createTinyProject } from '../unit/inspection/fixture'
import { launchChromium, openApp, saveScreenshot, type E2eBrowser } from './support/browser'
import { makeSmallProject } from './support/small-project'
import { openProjectInUi } from './support/projects'
import { REPO_ROOT, startBrowserMode, type BrowserModeServer } from './support/serve'

const run = promisify(execFile)

/**
 * Issue 11 item 2: every screen follows the open project. Open A, leave things behind in
 * it (a label filter, an anomaly fit, a hot-folder inspection session, a History filter,
 * and a training run STILL GOING), open B, then A again: each screen shows B's own state
 * in B (nothing of A's, the run included) and A's again in A. An import into B right after
 * the switch counts all of B's images, never "0 of N" through a filter carried over.
 */
// Opening a project is awaited through the status bar and the move to Label
// (support/projects.ts): this file was skipped for a while because its old wait read the
// Projects screen's card, which the app leaves within milliseconds of a successful open, and
// so looked like an open that hung for 120 s.
describe('every screen follows the open project (Chromium, browser mode)', () => {
  let dir: string
  let fileA: string
  let fileB: string
  let server: BrowserModeServer
  let browser: E2eBrowser

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ds-e2e-switch-'))
    // A: a tiny model (for the hot folder), 32 px training, labelled images imported by the CLI.
    const store = createTinyProject(dir)
    store.settings.set('training.size', 32)
    store.settings.set('inspection', { deadlineMs: 60_000 })
    fileA = store.file
    store.close()
    await generateSyntheticSet({ root: join(dir, 'a-set'), seed: 5, counts: { ok: 16, scratch: 8 }, width: 40, height: 40, colour: 'gray' })
    await run(process.execPath, [join(REPO_ROOT, 'bin', 'defect-studio.js'), 'import', '--project', fileA, '--from', join(dir, 'a-set'), '--json'], { cwd: REPO_ROOT })
    // B: its own five unlabelled pictures and its own classes; a folder to import into it later.
    fileB = join(dir, 'b.dsproj')
    await makeSmallProject(fileB, { count: 5, classes: ['free', 'dent'] })
    await generateSyntheticSet({ root: join(dir, 'b-more'), seed: 6, counts: { ok: 3 }, width: 36, height: 28, colour: 'rgb' })
    await mkdir(join(dir, 'hot'))
    server = await startBrowserMode({ args: ['--allow-folder', dir] })
    browser = await launchChromium({ viewport: { width: 1366, height: 900 } })
  })
  afterAll(async () => {
    await browser?.close()
    await server?.stop()
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  const countText = (page: Page) => page.getByTestId('filter-count').textContent()

  it('A → B → A: filters, anomaly result, inspection session, History and a running training run stay with their project', async () => {
    const { page } = browser
    await openApp(page, server.url, '/projects')
    await openProjectInUi(page, fileA)

    // Label (A): a class filter.
    await page.getByTestId('nav-label').click()
    await expect.poll(() => countText(page), { timeout: 90_000 }).toBe('24 of 24 images')
    await page.getByTestId('filter-label').selectOption({ label: 'scratch' })
    await expect.poll(() => countText(page)).toMatch(/^8 of 24 images$/)

    // Inspect (A): a hot-folder session that inspects one part (which lands in A's History).
    await page.getByTestId('nav-inspect').click()
    await page.getByTestId('inspect-source-folder').check()
    await page.getByTestId('inspect-folder').fill(join(dir, 'hot'))
    await page.getByTestId('inspect-start').click()
    await expect.poll(() => page.getByTestId('inspect-state').getAttribute('data-state'), { timeout: 90_000 }).toBe('running')
    await cp(join(dir, 'a-set', 'ok', 'ok_0000.png'), join(dir, 'hot', 'part-1.png'))
    await expect.poll(async () => Number(await page.getByTestId('count-inspected').textContent()), { timeout: 60_000 }).toBe(1)

    // History (A): one row; a verdict filter that stays set.
    await page.getByTestId('nav-history').click()
    await expect.poll(() => page.getByTestId('history-count').textContent(), { timeout: 90_000 }).toBe('1–1 of 1')

    // Train (A): an anomaly fit to its end, then a long training run left running.
    await page.getByTestId('nav-train').click()
    await page.getByTestId('anomaly-train').click()
    await page.getByTestId('anomaly-result').waitFor({ timeout: 180_000 })
    await page.getByText('Advanced settings').click()
    await page.getByTestId('train-setting-epochs').fill('300')
    await page.getByTestId('train-setting-batch').fill('8')
    await page.getByTestId('train-setting-patience').fill('0')
    await page.getByTestId('retrain-full').click()
    await page.getByTestId('training-epoch').waitFor({ timeout: 180_000 })
    expect(await page.getByTestId('training-epoch').textContent()).toMatch(/\/ 300$/)
    await saveScreenshot(page, 'switch-a-training')

    // Open B.
    await openProjectInUi(page, fileB)
    await page.getByTestId('nav-train').click()
    await page.getByTestId('training-busy-elsewhere').waitFor({ timeout: 90_000 })
    expect(await page.getByTestId('training-busy-elsewhere').textContent()).toContain(fileA)
    // Nothing of A's run or fit: no progress, no outcome, no results, no anomaly result.
    expect(await page.getByTestId('training-epoch').count()).toBe(0)
    expect(await page.getByTestId('training-outcome').count()).toBe(0)
    expect(await page.getByTestId('training-results').count()).toBe(0)
    expect(await page.getByTestId('anomaly-result').count()).toBe(0)
    // A's run keeps sending progress meanwhile; B's screen must still not pick it up.
    await saveScreenshot(page, 'switch-b-train')

    await page.getByTestId('nav-inspect').click()
    await expect.poll(() => page.getByTestId('inspect-state').getAttribute('data-state'), { timeout: 90_000 }).not.toBe('running')
    expect(await page.getByTestId('count-inspected').textContent()).toBe('0')

    // History (B): none yet, said as such (not "no matches").
    await page.getByTestId('nav-history').click()
    await page.getByTestId('history-empty').waitFor({ timeout: 90_000 })
    expect(await page.getByTestId('history-no-match').count()).toBe(0)

    // Label (B): no filter carried over, and an import counts all of B's images.
    await page.getByTestId('nav-label').click()
    await expect.poll(() => countText(page), { timeout: 90_000 }).toBe('5 of 5 images')
    expect(await page.getByTestId('filter-clear').count()).toBe(0)
    await page.getByTestId('import-folder-path').fill(join(dir, 'b-more'))
    await page.getByTestId('import-folder-start').click()
    await expect.poll(() => page.getByTestId('import-imported').textContent(), { timeout: 120_000 }).toBe('3 imported')
    await expect.poll(() => countText(page), { timeout: 90_000 }).toBe('8 of 8 images')
    // A's run kept sending progress all this while: B's Train screen still shows none of it.
    await page.getByTestId('nav-train').click()
    await page.getByTestId('training-busy-elsewhere').waitFor({ timeout: 90_000 })
    expect(await page.getByTestId('training-epoch').count()).toBe(0)

    // Back to A: its run is shown again (still going), its fit result, its History; the filter is reset.
    await openProjectInUi(page, fileA)
    await page.getByTestId('nav-train').click()
    await page.getByTestId('training-epoch').waitFor({ timeout: 60_000 })
    expect(await page.getByTestId('training-busy-elsewhere').count()).toBe(0)
    expect(await page.getByTestId('retrain-full').isDisabled()).toBe(true)
    await page.getByTestId('anomaly-result').waitFor({ timeout: 90_000 })
    await page.getByTestId('training-cancel').click()
    await page.getByTestId('retrain-full').waitFor({ state: 'visible' })
    await expect.poll(() => page.getByTestId('retrain-full').isDisabled(), { timeout: 120_000 }).toBe(false)

    await page.getByTestId('nav-history').click()
    await expect.poll(() => page.getByTestId('history-count').textContent(), { timeout: 90_000 }).toBe('1–1 of 1')
    await page.getByTestId('nav-label').click()
    await expect.poll(() => countText(page), { timeout: 90_000 }).toBe('24 of 24 images')
    expect(browser.pageErrors).toEqual([])
  })
})
