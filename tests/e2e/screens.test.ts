import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir, userInfo } from 'node:os'
import { join } from 'node:path'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateSyntheticSet } from '../support/synthetic-defects'
import { createTinyProject } from '../unit/inspection/fixture'
import { seriousViolations, type AxeViolation } from './support/axe'
import { keyboardWalk } from './support/keyboard-walk'
import { screenTexts, unexpectedLatinWords, type LatinWord } from './support/latin-words'
import { CHROMIUM_PATH, ChromiumMissingError, SCREENSHOT_DIR, openApp } from './support/browser'
import { startBrowserMode, type BrowserModeServer } from './support/serve'
import { writeY4m } from './support/y4m'

/**
 * Every screen at 1920×1080 and 1280×720, light and dark (the system setting, emulated),
 * English and Simplified Chinese (the browser's language): a screenshot of each in
 * test-artifacts/screens/matrix/, and axe-core finds no serious or critical violation on
 * any of them. The project has real data: imported labelled images, a tiny model, a model
 * trained through the Train screen (so its recipe, curves and results show), and inspections
 * made by the operator view from a fake camera. In Chinese no screen shows an English word
 * (names, units and product names aside), and every screen can be used from the keyboard.
 */
// page.evaluate callbacks run in the browser. Node's type library has no DOM (and adding it
// would change Node's own types), so name the little these callbacks use.
interface DomElement { tagName: string; dataset: Record<string, string | undefined>; textContent: string | null; open?: boolean }
declare const document: {
  documentElement: DomElement & { lang: string }
  activeElement: DomElement | null
  body: DomElement
  querySelector(selector: string): DomElement | null
  querySelectorAll(selector: string): { length: number } & Iterable<DomElement>
}
declare const location: { hash: string }
declare function getComputedStyle(el: DomElement): { outlineStyle: string; outlineWidth: string; boxShadow: string }

const SCREENS = ['projects', 'label', 'train', 'inspect', 'history', 'models', 'operator'] as const
const VIEWPORTS = [
  { width: 1920, height: 1080 },
  { width: 1280, height: 720 }
] as const
const THEMES = ['light', 'dark'] as const
const LOCALES = ['en', 'zh-CN'] as const
const MATRIX_DIR = join(SCREENSHOT_DIR, 'matrix')
/** Names the project and the user gave, shown as they are in any language: class names, project, user. */
const NAMES = ['ok', 'scratch', 'spot', 'line', userInfo().username]

describe('every screen, both themes, both languages (Chromium, browser mode)', () => {
  let dir: string
  let server: BrowserModeServer
  let video: string
  let partsRoot: string
  const contexts: Array<{ context: BrowserContext; profile: string }> = []
  const pageErrors: string[] = []

  async function open(locale: string): Promise<Page> {
    const profile = await mkdtemp(join(tmpdir(), 'ds-e2e-profile-'))
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      locale,
      args: [
        '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-sync', '--disable-background-networking',
        `--lang=${locale}`, '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', `--use-file-for-fake-video-capture=${video}`
      ],
      viewport: VIEWPORTS[0]
    })
    contexts.push({ context, profile })
    const page = context.pages()[0] ?? (await context.newPage())
    page.on('pageerror', (e) => pageErrors.push(`pageerror: ${e.message}`))
    page.on('console', (m) => {
      if (m.type() === 'error') pageErrors.push(`console: ${m.text()}`)
    })
    return page
  }

  async function visit(page: Page, screen: (typeof SCREENS)[number]): Promise<void> {
    await page.evaluate((s) => (location.hash = `#/${s}`), screen)
    await page.getByTestId(`screen-${screen}`).waitFor({ state: 'visible' })
    // Let the screen's first loads land (lists, charts) without sleeping on a guess.
    await page.waitForLoadState('networkidle').catch(() => undefined)
    await page.waitForFunction(() => document.querySelectorAll('[aria-busy="true"]').length === 0, undefined, { timeout: 15_000 }).catch(() => undefined)
  }

  /** On the line view: start the camera and press the trigger key once, so the picture shows a verdict. */
  async function inspectOnePart(page: Page): Promise<void> {
    await page.getByTestId('operator-start').click()
    await page.getByTestId('operator-stop').waitFor({ state: 'visible' })
    const before = Number(await page.getByTestId('operator-count-inspected').textContent())
    await page.keyboard.press('Space')
    await page.waitForFunction((n) => Number(document.querySelector('[data-testid="operator-count-inspected"]')?.textContent) > n, before, { timeout: 60_000 })
  }
  async function stopInspecting(page: Page): Promise<void> {
    await page.getByTestId('operator-stop').click()
    await page.getByTestId('operator-start').waitFor({ state: 'visible' })
  }

  beforeAll(async () => {
    if (!existsSync(CHROMIUM_PATH)) throw new ChromiumMissingError()
    dir = await mkdtemp(join(tmpdir(), 'ds-e2e-screens-'))
    // Threshold 0.99: the tiny model never reaches it, so parts FAIL and keep their images.
    const store = createTinyProject(dir, { threshold: 0.99 })
    store.settings.set('inspection', { deadlineMs: 60_000, triggerMode: 'trigger' })
    store.close()
    partsRoot = join(dir, 'parts')
    const { files } = await generateSyntheticSet({ root: partsRoot, seed: 5, counts: { ok: 10, scratch: 4, spot: 4 }, width: 96, height: 72, colour: 'rgb', layout: 'imagefolder' })
    video = join(dir, 'camera.y4m')
    await writeY4m(video, files.slice(0, 6).map((f) => f.path), 3)
    server = await startBrowserMode({ args: ['--project', join(dir, 'line.dsproj')] })
    await mkdir(MATRIX_DIR, { recursive: true })
  })

  afterAll(async () => {
    for (const { context, profile } of contexts) {
      await context.close().catch(() => undefined)
      await rm(profile, { recursive: true, force: true })
    }
    await server?.stop()
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it('fills the project through the UI: imports labelled images and inspects parts on the line view', async () => {
    const page = await open('en')
    await openApp(page, server.url, '/label')
    await page.getByTestId('import-folder-path').fill(partsRoot)
    await page.getByTestId('import-folder-start').click()
    await page.getByTestId('import-report').waitFor({ state: 'visible', timeout: 60_000 })

    // A full retrain, tiny (32 px, 2 epochs): the Train and Models screens then show a recipe,
    // curves, a confusion matrix and two versions.
    await visit(page, 'train')
    await page.locator('details.advanced > summary').click()
    await page.getByTestId('train-setting-epochs').fill('2')
    await page.getByTestId('train-setting-batch').fill('16')
    await page.getByTestId('train-setting-size').fill('32')
    await page.getByTestId('retrain-full').click()
    await page.getByTestId('training-outcome').waitFor({ timeout: 300_000 })
    await page.getByTestId('training-recipe').waitFor()

    await visit(page, 'operator')
    await page.getByTestId('operator-start').click()
    await page.getByTestId('operator-stop').waitFor({ state: 'visible' })
    // The trigger key (Space) inspects the current frame, as a foot pedal would.
    const counted = page.getByTestId('operator-count-inspected')
    for (let i = 0; i < 4; i++) {
      const before = Number(await counted.textContent())
      await page.keyboard.press('Space')
      await page.waitForFunction((n) => Number(document.querySelector('[data-testid="operator-count-inspected"]')?.textContent) > n, before, { timeout: 60_000 })
    }
    expect(await page.getByTestId('operator-verdict').getAttribute('data-verdict')).toBe('FAIL')
    await page.getByTestId('operator-stop').click()
    await page.getByTestId('operator-start').waitFor({ state: 'visible' })
  })

  for (const locale of LOCALES) {
    it(`${locale}: screenshots of every screen at both sizes in both themes, and axe finds nothing serious`, async () => {
      const page = await open(locale)
      await openApp(page, server.url, '/projects')
      expect(await page.evaluate(() => document.documentElement.lang)).toBe(locale)
      const violations: Array<{ where: string } & AxeViolation> = []
      const english: Array<{ where: string } & LatinWord> = []
      for (const theme of THEMES) {
        await page.emulateMedia({ colorScheme: theme })
        await page.waitForFunction((t) => document.documentElement.dataset.theme === t, theme)
        for (const viewport of VIEWPORTS) {
          await page.setViewportSize(viewport)
          for (const screen of SCREENS) {
            await visit(page, screen)
            if (screen === 'operator') await inspectOnePart(page)
            await page.screenshot({ path: join(MATRIX_DIR, `${screen}-${viewport.width}x${viewport.height}-${theme}-${locale}.png`) })
            // axe once per screen and theme (the larger size); the layout differs, the markup does not.
            if (viewport === VIEWPORTS[0]) for (const v of await seriousViolations(page)) violations.push({ where: `${screen} ${theme}`, ...v })
            // In Chinese, no English left: the screen as shown, then with every fold opened.
            if (locale === 'zh-CN' && theme === THEMES[0] && viewport === VIEWPORTS[0]) {
              const texts = await screenTexts(page)
              await page.evaluate(() => {
                for (const d of document.querySelectorAll('details')) d.open = true
              })
              texts.push(...(await screenTexts(page)))
              for (const w of unexpectedLatinWords(texts, NAMES)) english.push({ where: screen, ...w })
            }
            if (screen === 'operator') await stopInspecting(page)
          }
        }
      }
      expect(violations).toEqual([])
      if (locale === 'zh-CN') {
        // The check itself sees English where there is some (the English page's words).
        expect(unexpectedLatinWords(['训练 Retrain (fast)'], NAMES).map((w) => w.word)).toEqual(['Retrain', 'fast'])
        expect(english).toEqual([])
      }
    })
  }

  for (const screen of SCREENS) {
    it(`${screen}: every control is reached by Tab, shows its focus, and nothing is mouse-only`, async () => {
      const page = await open('en')
      await page.setViewportSize(VIEWPORTS[1])
      await openApp(page, server.url, `/${screen}`)
      await visit(page, screen)
      const walk = await keyboardWalk(page)
      expect(walk.reached).toBeGreaterThan(5)
      expect({ unreached: walk.unreached, mouseOnly: walk.mouseOnly, noRing: walk.noRing }).toEqual({ unreached: [], mouseOnly: [], noRing: [] })
      // What folds away (advanced settings, lists) is reached once it is open, from the keyboard too.
      const folds = await page.locator('details:not([open]) > summary').count()
      if (folds > 0) {
        // One at a time: the locator re-resolves to the next closed fold after each Enter.
        for (let i = 0; i < folds; i++) {
          await page.locator('details:not([open]) > summary').first().focus()
          await page.keyboard.press('Enter')
        }
        expect(await page.locator('details:not([open])').count()).toBe(0)
        const open = await keyboardWalk(page)
        expect({ unreached: open.unreached, mouseOnly: open.mouseOnly, noRing: open.noRing }).toEqual({ unreached: [], mouseOnly: [], noRing: [] })
      }
    })
  }

  it('switches theme and language from the header, and every control shows where the keyboard focus is', async () => {
    const page = await open('en')
    await page.setViewportSize(VIEWPORTS[1])
    await openApp(page, server.url, '/label')
    const before = await page.evaluate(() => document.documentElement.dataset.theme)
    await page.getByTestId('theme-toggle').click()
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).not.toBe(before)
    await page.getByTestId('locale-select').selectOption('zh-CN')
    await expect.poll(() => page.getByTestId('nav-label').textContent()).toContain('标注')
    await page.getByTestId('locale-select').selectOption('en')
    // Tab through the header and the screen: each focused element draws a ring.
    const unmarked: string[] = []
    for (let i = 0; i < 14; i++) {
      await page.keyboard.press('Tab')
      const r = await page.evaluate(() => {
        const el = document.activeElement
        if (!el || el === document.body) return null
        const s = getComputedStyle(el)
        const ring = (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none'
        return { ring, what: `${el.tagName.toLowerCase()}[data-testid=${el.dataset.testid ?? ''}]` }
      })
      if (r && !r.ring) unmarked.push(r.what)
    }
    expect(unmarked).toEqual([])
  })

  it('ran without page errors or CSP violations', () => {
    expect(pageErrors).toEqual([])
  })
})
