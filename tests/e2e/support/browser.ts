import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import { REPO_ROOT } from './serve'

export const CHROMIUM_PATH = process.env.DEFECT_STUDIO_CHROMIUM ?? '/usr/bin/chromium'
export const SCREENSHOT_DIR = join(REPO_ROOT, 'test-artifacts', 'screens')

/** Flags for a quiet, deterministic headless Chromium on a CI box (no GPU, no network chatter). */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync'
]

export interface E2eBrowser {
  context: BrowserContext
  page: Page
  /** Console errors and uncaught page errors seen so far (CSP violations show up here). */
  pageErrors: string[]
  close(): Promise<void>
}

export class ChromiumMissingError extends Error {
  constructor() {
    super(`Chromium not found at ${CHROMIUM_PATH}: install it with "apt-get install -y chromium" or set DEFECT_STUDIO_CHROMIUM to its path.`)
    this.name = 'ChromiumMissingError'
  }
}

/** Debian's Chromium driven by playwright-core, with a fresh profile folder per launch. */
export async function launchChromium(opts: { viewport?: { width: number; height: number }; args?: string[] } = {}): Promise<E2eBrowser> {
  if (!existsSync(CHROMIUM_PATH)) throw new ChromiumMissingError()
  const profile = await mkdtemp(join(tmpdir(), 'ds-e2e-profile-'))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...CHROMIUM_ARGS, ...(opts.args ?? [])],
    viewport: opts.viewport ?? { width: 1280, height: 800 }
  })
  const pageErrors: string[] = []
  const watch = (page: Page): void => {
    page.on('pageerror', (error) => pageErrors.push(`pageerror: ${error.message}`))
    page.on('console', (msg) => {
      if (msg.type() === 'error') pageErrors.push(`console: ${msg.text()}`)
    })
  }
  // A persistent context opens with one tab already; later tabs are watched as they open.
  const first = context.pages()[0]
  if (first) watch(first)
  context.on('page', watch)
  const page = first ?? (await context.newPage())
  return {
    context,
    page,
    pageErrors,
    close: async () => {
      await context.close()
      await rm(profile, { recursive: true, force: true })
    }
  }
}

/**
 * Chromium's fake camera: it plays `video` (a y4m file, support/y4m.ts) in a loop as the
 * only camera, and grants camera access without asking. Pages must come from
 * http://127.0.0.1 (a secure context) for getUserMedia.
 */
export function fakeCameraArgs(video: string): string[] {
  return ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', `--use-file-for-fake-video-capture=${video}`]
}

/** The flags of launchChromium() plus the fake camera, for callers that launch their own context (bench/inspect-ui.ts). */
export function cameraChromiumArgs(video: string): string[] {
  return [...CHROMIUM_ARGS, ...fakeCameraArgs(video)]
}

/** launchChromium() with the fake camera playing `video`. */
export function launchChromiumWithCamera(video: string, opts: { viewport?: { width: number; height: number }; args?: string[] } = {}): Promise<E2eBrowser> {
  return launchChromium({ ...opts, args: [...fakeCameraArgs(video), ...(opts.args ?? [])] })
}

/** Open the app and wait for its ready signal (set after the first successful 'app:status'). */
export async function openApp(page: Page, url: string, route = '/label'): Promise<void> {
  const target = new URL(url)
  target.hash = `#${route}`
  await page.goto(target.toString())
  await page.waitForSelector('body[data-app-ready="true"]', { timeout: 60_000 })
}

/** Save a screenshot as a test artifact: test-artifacts/screens/<name>.png. */
export async function saveScreenshot(page: Page, name: string): Promise<string> {
  await mkdir(SCREENSHOT_DIR, { recursive: true })
  const file = join(SCREENSHOT_DIR, `${name}.png`)
  await page.screenshot({ path: file, fullPage: false })
  return file
}
