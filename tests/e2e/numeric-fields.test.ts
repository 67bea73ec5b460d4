import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import type { z } from 'zod'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TrainRequest } from '../../shared/contract/training'
import { AnomalyTrainRequest } from '../../shared/contract/anomaly'
import { HistoryFilter, InspectionSettings, PartPresenceSettings } from '../../shared/contract/inspection'
import { numberLimits } from '../../renderer/src/composables/number-limits'
import { launchChromium, openApp, type E2eBrowser } from './support/browser'
import { startBrowserMode, type BrowserModeServer } from './support/serve'

/**
 * Issue 11 item 3: every numeric field accepts its default and its whole documented range
 * under Chromium's own validation (min/max/step), and the screen shows no error for them.
 * The range is the contract's zod schema for the field, read here the same way the form
 * reads it; values just outside it must be refused by the screen.
 */
interface Field {
  testid: string
  schema: z.ZodType
  /** Percent fields show a fraction ×100. */
  scale?: number
  /** Values a person would type besides the bounds (the default first when it is shown). */
  typical: number[]
  /** Only type, never commit (the trigger port would open a real port on every change). */
  typeOnly?: boolean
  /** What to leave in the field afterwards ('' = empty). */
  restore?: string
}

const TRAIN: Field[] = [
  { testid: 'train-setting-epochs', schema: TrainRequest.shape.epochs, typical: [2, 15, 30] },
  { testid: 'train-setting-batch', schema: TrainRequest.shape.batch, typical: [8, 16, 32] },
  { testid: 'train-setting-lr', schema: TrainRequest.shape.lr, typical: [0.001, 0.01, 0.0003] },
  { testid: 'train-setting-size', schema: TrainRequest.shape.size, typical: [64, 224, 320] },
  { testid: 'train-setting-seed', schema: TrainRequest.shape.seed, typical: [0, 42] },
  { testid: 'train-setting-patience', schema: TrainRequest.shape.patience, typical: [0, 5, 20] },
  { testid: 'anomaly-frr', schema: AnomalyTrainRequest.shape.targetFrr, scale: 100, typical: [1, 0.5, 2, 5, 0.1] },
  { testid: 'anomaly-coreset', schema: AnomalyTrainRequest.shape.coresetFraction, scale: 100, typical: [10, 1, 2.5, 25] }
]
const PROJECT: Field[] = [{ testid: 'project-image-size', schema: TrainRequest.shape.size, typical: [224, 96, 500] }]
const INSPECT: Field[] = [
  { testid: 'inspect-rate', schema: InspectionSettings.shape.rateHz, typical: [5, 1, 2.5, 10, 0.5] },
  { testid: 'inspect-trigger-port', schema: InspectionSettings.shape.triggerPort, typical: [8080, 0], typeOnly: true, restore: '' }
]
const P = PartPresenceSettings.shape
const PRESENCE: Field[] = [
  { testid: 'inspect-presence-presentFraction', schema: P.presentFraction, scale: 100, typical: [2, 0.5, 10] },
  { testid: 'inspect-presence-stillFraction', schema: P.stillFraction, scale: 100, typical: [1, 0.5, 5] },
  { testid: 'inspect-presence-pixelDelta', schema: P.pixelDelta, typical: [25, 10, 60] },
  { testid: 'inspect-presence-settleFrames', schema: P.settleFrames, typical: [3, 1, 10] },
  { testid: 'inspect-presence-emptyFrames', schema: P.emptyFrames, typical: [3, 1, 10] }
]
const HISTORY: Field[] = [{ testid: 'history-model', schema: HistoryFilter.shape.modelVersion, typical: [1, 12] }]

/** The bounds (just inside when the bound itself is excluded) and the typical values. */
function validValues(f: Field): number[] {
  const l = numberLimits(f.schema, f.scale ?? 1)
  const inside = (bound: number, up: boolean) => bound + (up ? 1 : -1) * Math.max(Math.abs(bound) * 1e-3, 1e-3)
  const values = [...f.typical]
  if (l.min !== null) values.push(l.exclusiveMin ? inside(l.min, true) : l.min)
  if (l.max !== null) values.push(l.exclusiveMax ? inside(l.max, false) : l.max)
  return values
}
function invalidValues(f: Field): number[] {
  const l = numberLimits(f.schema, f.scale ?? 1)
  const out: number[] = []
  if (l.min !== null) out.push(l.exclusiveMin ? l.min : l.min - 1)
  if (l.max !== null) out.push(l.exclusiveMax ? l.max : l.max + 1)
  return out
}

async function fieldState(page: Page, testid: string): Promise<{ valid: boolean; message: string; ariaInvalid: string | null }> {
  return page.getByTestId(testid).evaluate((el) => {
    const input = el as unknown as { checkValidity(): boolean; validationMessage: string; getAttribute(n: string): string | null }
    return { valid: input.checkValidity(), message: input.validationMessage, ariaInvalid: input.getAttribute('aria-invalid') }
  })
}

async function checkFields(page: Page, fields: Field[]): Promise<void> {
  for (const f of fields) {
    // The value the screen starts with (a default, or empty = default) is valid as it stands.
    expect(await fieldState(page, f.testid), `${f.testid} as shown`).toMatchObject({ valid: true })
    for (const v of validValues(f)) {
      await page.getByTestId(f.testid).fill(String(v))
      if (!f.typeOnly) await page.getByTestId(f.testid).dispatchEvent('change')
      const state = await fieldState(page, f.testid)
      expect(state, `${f.testid} = ${v}`).toEqual({ valid: true, message: '', ariaInvalid: state.ariaInvalid === null ? null : 'false' })
    }
    for (const v of invalidValues(f)) {
      await page.getByTestId(f.testid).fill(String(v))
      if (!f.typeOnly) await page.getByTestId(f.testid).dispatchEvent('change')
      const state = await fieldState(page, f.testid)
      // Outside the range: the browser or the screen (an exclusive bound) says so.
      expect(!state.valid || state.ariaInvalid === 'true', `${f.testid} = ${v} must be refused`).toBe(true)
    }
    await page.getByTestId(f.testid).fill(f.restore ?? String(f.typical[0]))
    if (!f.typeOnly) await page.getByTestId(f.testid).dispatchEvent('change')
  }
}

describe('numeric fields accept their whole documented range (Chromium, browser mode)', () => {
  let dir: string
  let server: BrowserModeServer
  let browser: E2eBrowser

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ds-e2e-numbers-'))
    server = await startBrowserMode({ args: ['--allow-folder', dir] })
    browser = await launchChromium()
  })
  afterAll(async () => {
    await browser?.close()
    await server?.stop()
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it('on the Projects, Train, Inspect and History screens', async () => {
    const { page } = browser
    await openApp(page, server.url, '/projects')
    await page.getByTestId('project-create-path').fill(join(dir, 'numbers.dsproj'))
    await page.getByTestId('project-create').click()
    await page.getByTestId('screen-label').waitFor()

    await page.getByTestId('nav-projects').click()
    await page.getByTestId('project-settings').waitFor()
    await checkFields(page, PROJECT)

    await page.getByTestId('nav-train').click()
    await page.getByTestId('anomaly-panel').waitFor()
    await page.getByText('Advanced settings').click()
    await checkFields(page, TRAIN)
    // The anomaly form shows its default (1 %) and takes it: the train button is enabled.
    expect(await page.getByTestId('anomaly-train').isEnabled()).toBe(true)

    await page.getByTestId('nav-inspect').click()
    await page.getByTestId('inspect-rate').waitFor()
    expect(await page.getByTestId('inspect-rate').inputValue()).toBe('5')
    await checkFields(page, INSPECT)
    await page.getByTestId('inspect-presence-thresholds').click()
    await checkFields(page, PRESENCE)

    await page.getByTestId('nav-history').click()
    await page.getByTestId('history-model').waitFor()
    await checkFields(page, HISTORY)
    expect(browser.pageErrors).toEqual([])
  })
})
