import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateSyntheticSet } from '../support/synthetic-defects'
import { launchChromium, openApp, saveScreenshot, type E2eBrowser } from './support/browser'
import { startBrowserMode, type BrowserModeServer } from './support/serve'

/**
 * Issue "Screens I" as a new user does it, in Chromium against browser mode: create a
 * project, import a generated folder (with loose unlabelled photos and a broken file),
 * label the unlabelled ones with the keyboard, retrain a small model while watching
 * progress, open a confusion-matrix cell, and make the new model the active one.
 */
const LOOSE_PER_CLASS = 3

describe('labelling and one-click retrain (browser mode)', () => {
  let dir: string
  let server: BrowserModeServer
  let browser: E2eBrowser
  /** file name of each loose (unlabelled) image → its true class */
  const looseClass = new Map<string, string>()

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ds-e2e-label-'))
    const photos = join(dir, 'photos')
    const { files } = await generateSyntheticSet({ root: photos, seed: 7, counts: { ok: 14, scratch: 14 }, layout: 'flat', width: 64, height: 64 })
    // A few photos arrive without a class folder: they import unlabelled.
    for (const cls of ['ok', 'scratch']) {
      for (const f of files.filter((x) => x.className === cls).slice(0, LOOSE_PER_CLASS)) {
        const name = `loose-${cls === 'ok' ? 'a' : 'b'}-${basename(f.path)}`
        await rename(f.path, join(photos, name))
        looseClass.set(name, cls)
      }
    }
    await writeFile(join(photos, 'broken.png'), Buffer.alloc(0))
    await mkdir(join(dir, 'projects'))
    // Browser mode only touches allowed folders (docs/security.md): the test's folder is one.
    server = await startBrowserMode({ args: ['--allow-folder', dir] })
    browser = await launchChromium({ viewport: { width: 1366, height: 850 } })
  })
  afterAll(async () => {
    await browser?.close()
    await server?.stop()
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it('creates a project and imports a folder, listing the rejected file', async () => {
    const { page } = browser
    await openApp(page, server.url, '/projects')
    await page.getByTestId('project-create-path').fill(join(dir, 'projects', 'line1.dsproj'))
    await page.getByTestId('project-create').click()
    await page.getByTestId('screen-label').waitFor()
    await expect.poll(() => page.getByTestId('status-project').textContent()).toBe('Project: line1')

    await page.getByTestId('import-folder-path').fill(join(dir, 'photos'))
    await page.getByTestId('import-folder-start').click()
    await page.getByTestId('import-report').waitFor({ timeout: 120_000 })
    expect(await page.getByTestId('import-imported').textContent()).toBe('28 imported')
    expect(await page.getByTestId('import-rejected').textContent()).toContain('broken.png')
    await expect.poll(() => page.getByTestId('filter-count').textContent()).toBe('28 of 28 images')
    await saveScreenshot(page, 'label-imported')
  })

  it('labels the unlabelled images with digit keys, with auto-advance and undo', async () => {
    const { page } = browser
    await page.getByTestId('filter-label').selectOption('unlabelled')
    const loose = looseClass.size
    await expect.poll(() => page.getByTestId('filter-count').textContent()).toBe(`${loose} of 28 images`)
    const classOrder = await page.locator('[data-testid^="class-row-"]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-testid')!.slice('class-row-'.length)))
    expect([...classOrder].sort()).toEqual(['ok', 'scratch'])

    await page.getByTestId('label-tile').first().click()
    for (let left = loose; left > 0; left--) {
      // The cursor tile is the one to label; its file name says its true class.
      const name = await page.locator('[data-testid="label-tile"].cursor img').getAttribute('alt')
      const cls = looseClass.get(name ?? '')
      expect(cls, `unexpected image under the cursor: ${name}`).toBeDefined()
      await page.keyboard.press(String(classOrder.indexOf(cls!) + 1))
      // Labelled images leave the "unlabelled" filter; the cursor moves on by itself.
      await expect.poll(() => page.getByTestId('filter-count').textContent()).toBe(`${left - 1} of 28 images`)
    }
    await page.getByTestId('label-no-match').waitFor()

    await page.keyboard.press('Control+z')
    await expect.poll(() => page.getByTestId('filter-count').textContent()).toBe('1 of 28 images')
    const name = await page.getByTestId('label-tile').first().locator('img').getAttribute('alt')
    await page.getByTestId('label-tile').first().click()
    await page.keyboard.press(String(classOrder.indexOf(looseClass.get(name ?? '')!) + 1))
    await expect.poll(() => page.getByTestId('filter-count').textContent()).toBe('0 of 28 images')
    await page.getByTestId('filter-clear').click()
    await expect.poll(() => page.getByTestId('class-count-ok').textContent()).toBe('14')
    expect(await page.getByTestId('class-count-scratch').textContent()).toBe('14')
    await saveScreenshot(page, 'label-labelled')
  })

  it('retrains (quick) with one button while showing progress, then shows per-class results', async () => {
    const { page } = browser
    await page.getByTestId('nav-train').click()
    await page.getByTestId('screen-train').waitFor()
    await page.getByText('Advanced settings').click()
    await page.getByTestId('train-setting-epochs').fill('2')
    await page.getByTestId('train-setting-batch').fill('8')
    await page.getByTestId('train-setting-size').fill('32')
    await page.getByTestId('train-settings-save').click()
    await page.getByTestId('train-settings-saved').waitFor()

    await page.getByTestId('retrain-quick').click()
    await page.getByTestId('training-epoch').waitFor({ timeout: 180_000 })
    expect(await page.getByTestId('training-provider').textContent()).toMatch(/CPU|WebGPU|CUDA|DirectML|CoreML/)
    await saveScreenshot(page, 'train-progress')
    // Reload mid-run: the page asks the services for the run's state and keeps following it.
    await page.reload()
    await page.waitForSelector('body[data-app-ready="true"]')
    await page.getByTestId('screen-train').waitFor()
    await page.getByTestId('training-outcome').waitFor({ timeout: 240_000 })
    expect(await page.getByTestId('training-outcome').textContent()).toContain('v1')
    await page.getByTestId('training-results').waitFor()
    expect(await page.getByTestId('per-class-ok').textContent()).toContain('%')
    await saveScreenshot(page, 'train-results')
  })

  it('opens a confusion-matrix cell in the labelling screen', async () => {
    const { page } = browser
    // Row 1 = "scratch" or "ok" depending on class order; any non-empty cell will do.
    const cell = page.locator('[data-testid^="confusion-cell-"]:not([disabled])').first()
    const label = await cell.getAttribute('aria-label')
    const count = Number(await cell.textContent())
    await cell.click()
    await page.getByTestId('screen-label').waitFor()
    expect(page.url()).toMatch(/#\/label\?trueClass=/)
    const trueClass = /of (\S+) predicted/.exec(label ?? '')?.[1]
    // The screen applies the cell's filter once its images and classes have loaded.
    await expect
      .poll(async () => (await page.getByTestId('filter-label').locator('option:checked').textContent())?.trim(), { timeout: 15_000 })
      .toBe(trueClass)
    // Validation images of that class: at least the cell's count.
    const shown = Number((await page.getByTestId('filter-count').textContent())?.split(' ')[0])
    expect(shown).toBeGreaterThanOrEqual(count)
    await saveScreenshot(page, 'label-from-confusion')
  })

  it('activates the new model and the status bar shows it', async () => {
    const { page } = browser
    await page.getByTestId('nav-models').click()
    await page.getByTestId('model-row-1').waitFor()
    const activate = page.getByTestId('model-activate-1')
    if (await activate.count()) await activate.click()
    await page.getByTestId('model-row-1').getByTestId('model-active').waitFor()
    await expect.poll(() => page.getByTestId('status-model').textContent()).toContain('model v1')
    await saveScreenshot(page, 'models')
    expect(browser.pageErrors).toEqual([])
  })
})
