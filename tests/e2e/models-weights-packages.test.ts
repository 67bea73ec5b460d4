import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTinyProject } from '../unit/inspection/fixture'
import { launchChromium, openApp, saveScreenshot, type E2eBrowser } from './support/browser'
import { REPO_ROOT, startBrowserMode, type BrowserModeServer } from './support/serve'

/**
 * Issue 11 item 12: the UI does what the CLI does — download pretrained weights (progress,
 * checksum, a clear message offline) and export / import a model package — on the Models
 * screen, in Chromium against browser mode. Downloads come from a loopback server.
 */
const WEIGHTS = readFileSync(join(REPO_ROOT, 'tests/fixtures/torch/resnet18-w0125-c3.safetensors'))

describe('weights and model packages from the Models screen (Chromium, browser mode)', () => {
  let dir: string
  let server: BrowserModeServer
  let browser: E2eBrowser
  let weightsServer: Server
  let weightsUrl: string
  /** The loopback server sends half the file, then waits until the test has seen progress on screen. */
  let releaseSecondHalf!: () => void
  const secondHalf = new Promise<void>((r) => (releaseSecondHalf = r))

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ds-e2e-models-'))
    const store = createTinyProject(dir)
    const file = store.file
    store.close()
    weightsServer = createServer((_req, res) => {
      const half = Math.floor(WEIGHTS.length / 2)
      res.writeHead(200, { 'content-length': WEIGHTS.length })
      res.write(WEIGHTS.subarray(0, half))
      void secondHalf.then(() => res.end(WEIGHTS.subarray(half)))
    })
    await new Promise<void>((r) => weightsServer.listen(0, '127.0.0.1', r))
    weightsUrl = `http://127.0.0.1:${(weightsServer.address() as AddressInfo).port}/resnet18.safetensors`
    server = await startBrowserMode({ args: ['--project', file] })
    browser = await launchChromium()
  })
  afterAll(async () => {
    releaseSecondHalf?.()
    await browser?.close()
    await server?.stop()
    await new Promise<void>((r) => (weightsServer ? weightsServer.close(() => r()) : r()))
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it('says clearly when the download server cannot be reached', async () => {
    const { page } = browser
    await openApp(page, server.url, '/models')
    await expect.poll(() => page.getByTestId('weights-current').textContent()).toContain('random initialisation')
    // A loopback port nothing listens on any more: what a download sees when the machine is offline.
    const closed = createServer()
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r))
    const port = (closed.address() as AddressInfo).port
    await new Promise<void>((r) => closed.close(() => r()))
    await page.getByTestId('weights-url').fill(`http://127.0.0.1:${port}/resnet18.safetensors`)
    await page.getByTestId('weights-download').click()
    await page.getByTestId('weights-error').waitFor({ timeout: 60_000 })
    expect(await page.getByTestId('weights-error').textContent()).toMatch(/could not be reached \(ECONNREFUSED\).*offline.*import it instead/)
  })

  it('downloads weights with progress and shows the SHA-256 of what arrived', async () => {
    const { page } = browser
    await page.getByTestId('weights-url').fill(weightsUrl)
    await page.getByTestId('weights-download').click()
    // Half the bytes are in: the screen shows how far it got before the rest is sent.
    const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`
    const halfway = `${mb(Math.floor(WEIGHTS.length / 2))} of ${mb(WEIGHTS.length)}`
    await expect.poll(() => page.getByTestId('weights-progress').textContent(), { timeout: 60_000 }).toContain(halfway)
    await saveScreenshot(page, 'models-weights-progress')
    releaseSecondHalf()
    await page.getByTestId('weights-result').waitFor({ timeout: 60_000 })
    const sha = createHash('sha256').update(WEIGHTS).digest('hex')
    expect(await page.getByTestId('weights-result').textContent()).toContain(sha)
    await expect.poll(() => page.getByTestId('weights-current').textContent()).toContain('ImageNet ResNet18')
  })

  it('exports the active model as a package and imports it back as a new version', async () => {
    const { page } = browser
    await page.getByTestId('model-row-1').waitFor()
    const pkg = join(dir, 'line1.dsmodel')
    await page.getByTestId('package-export-path').fill(pkg)
    await page.getByTestId('package-export').click()
    await expect.poll(() => page.getByTestId('package-note').textContent()).toMatch(/Model version 1 exported to .*line1\.dsmodel/)
    expect(existsSync(pkg)).toBe(true)
    // Exporting over it again is refused with a message, never an overwrite.
    await page.getByTestId('package-export').click()
    await expect.poll(() => page.getByTestId('package-error').textContent()).toContain('already exists')

    await page.getByTestId('package-import-path').fill(pkg)
    await page.getByTestId('package-import').click()
    await expect.poll(() => page.getByTestId('package-note').textContent()).toMatch(/Imported as model version 2/)
    await page.getByTestId('model-row-2').waitFor()
    await saveScreenshot(page, 'models-packages')
    expect(browser.pageErrors).toEqual([])
  })
})
