import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium, openApp, saveScreenshot, type E2eBrowser } from './support/browser'
import { startBrowserMode, type BrowserModeServer } from './support/serve'

/**
 * Issue 11 items 6 and 4 (UI), as a new user meets them: a folder whose good class is
 * called `free` (not a name the app guesses) and whose classes are 30:1 imbalanced. The
 * import report says how many images went to validation and by which rule, names the
 * subfolders it skipped, and asks which class is good; the Label and Train screens show
 * per-class train/val counts and what to do about the imbalance.
 */
async function tile(file: string, shade: number): Promise<void> {
  await writeFile(file, await sharp({ create: { width: 24, height: 24, channels: 3, background: { r: shade, g: shade, b: shade } } }).toColourspace('b-w').png().toBuffer())
}

describe('dataset health at import and on the Label / Train screens (Chromium, browser mode)', () => {
  let dir: string
  let server: BrowserModeServer
  let browser: E2eBrowser

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ds-e2e-health-'))
    // Flat layout: class folders; 60 free, 2 crack (30:1), grayscale, each image its own.
    for (const [cls, n] of [['free', 60], ['crack', 2]] as const) {
      await mkdir(join(dir, 'tiles', cls), { recursive: true })
      for (let i = 0; i < n; i++) await tile(join(dir, 'tiles', cls, `${cls}-${i}.png`), cls === 'free' ? 100 + i : 10 + i)
    }
    // ImageFolder layout with a folder that is not part of it.
    for (const split of ['train', 'val']) {
      await mkdir(join(dir, 'more', split, 'free'), { recursive: true })
      await tile(join(dir, 'more', split, 'free', `extra-${split}.png`), split === 'train' ? 200 : 201)
    }
    await mkdir(join(dir, 'more', 'notes'), { recursive: true })
    await tile(join(dir, 'more', 'notes', 'n.png'), 220)
    server = await startBrowserMode({ args: ['--allow-folder', dir] })
    browser = await launchChromium({ viewport: { width: 1366, height: 900 } })
  })
  afterAll(async () => {
    await browser?.close()
    await server?.stop()
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it('announces the validation split, asks for the good class, and warns about the imbalance', async () => {
    const { page } = browser
    await openApp(page, server.url, '/projects')
    await page.getByTestId('project-create-path').fill(join(dir, 'tiles.dsproj'))
    await page.getByTestId('project-create').click()
    await page.getByTestId('screen-label').waitFor()
    await page.getByTestId('import-folder-path').fill(join(dir, 'tiles'))
    await page.getByTestId('import-folder-start').click()
    await page.getByTestId('import-report').waitFor({ timeout: 120_000 })
    expect(await page.getByTestId('import-imported').textContent()).toBe('62 imported')
    expect(await page.getByTestId('import-validation-split').textContent()).toMatch(/\d+ of the new images were put into validation automatically \(.+\)/)

    // No class is called ok/good: the report and the health panel ask which one is good.
    await page.getByTestId('import-ask-good').waitFor()
    await page.getByTestId('health-no-good-class').waitFor()
    await saveScreenshot(page, 'label-import-ask-good')
    await page.getByTestId('import-good-class').selectOption({ label: 'free' })
    await page.getByTestId('import-good-class-save').click()
    await page.getByTestId('health-no-good-class').waitFor({ state: 'detached' })
    expect(await page.getByTestId('class-row-free').textContent()).toContain('good')

    // Per-class counts add up to what was imported; the imbalance is named with what to do.
    const count = async (id: string) => Number(await page.getByTestId(id).textContent())
    expect((await count('health-train-free')) + (await count('health-val-free'))).toBe(60)
    expect((await count('health-train-crack')) + (await count('health-val-crack'))).toBe(2)
    const imbalance = await page.getByTestId('health-imbalance').textContent()
    expect(imbalance).toContain('"free" has 60 images, "crack" 2 (30:1)')
    expect(imbalance).toMatch(/Label more images.*balanced accuracy and missed-defect rate/)

    // The Train screen shows the same.
    await page.getByTestId('nav-train').click()
    await page.getByTestId('train-dataset-health').waitFor()
    expect(await page.getByTestId('train-dataset-health').getByTestId('health-imbalance').textContent()).toContain('30:1')
    expect(await page.getByTestId('train-dataset-health').getByTestId('health-no-good-class').count()).toBe(0)
    await saveScreenshot(page, 'train-dataset-health')
  })

  it('names the subfolders an import skipped', async () => {
    const { page } = browser
    await page.getByTestId('nav-label').click()
    await page.getByTestId('import-folder-path').fill(join(dir, 'more'))
    await page.getByTestId('import-folder-start').click()
    await expect.poll(() => page.getByTestId('import-imported').textContent(), { timeout: 120_000 }).toBe('2 imported')
    expect(await page.getByTestId('import-skipped-folders').textContent()).toMatch(/notes.*not part of the ImageFolder layout/)
    expect(browser.pageErrors).toEqual([])
  })
})
