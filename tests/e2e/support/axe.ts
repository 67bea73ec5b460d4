import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import type { Page } from 'playwright-core'

/**
 * axe-core in the page under test. Injected with page.evaluate (the DevTools protocol),
 * which the page's CSP does not block, so the app is checked with its real CSP on.
 */
// The page's window, as far as these callbacks use it (Node's types have no DOM).
declare const window: { axe?: AxeApi }
declare const document: unknown
interface AxeApi {
  run(context: unknown, options: object): Promise<{ violations: Array<{ id: string; impact: string | null; help: string; nodes: Array<{ target: unknown[] }> }> }>
}

const require = createRequire(import.meta.url)
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8')

export interface AxeViolation {
  id: string
  impact: string | null
  help: string
  nodes: string[]
}

/** Serious and critical violations on the page as it is now (WCAG 2.1 A/AA rules and best practice). */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  const loaded = await page.evaluate(() => typeof window.axe !== 'undefined')
  if (!loaded) await page.evaluate(AXE_SOURCE)
  const result = await page.evaluate(async () => {
    const r = await window.axe!.run(document, { resultTypes: ['violations'], runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } })
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => JSON.stringify(n.target)) }))
  })
  return result.filter((v) => v.impact === 'serious' || v.impact === 'critical')
}
