import type { Page } from 'playwright-core'
import { expect } from 'vitest'

/**
 * Open a project file through the Projects screen, as a user does, and resolve once the app
 * has finished opening it: the status bar names that file AND the app has moved on to the
 * Label screen (it does so after a successful open). A failure to open fails the test with
 * the error the screen shows.
 *
 * Why both signals, and never the Projects screen's "current project" card: the app leaves
 * the Projects screen within a few milliseconds of the open, so a poll of that card sees it
 * only by luck (it missed it in 2 of 3 full e2e runs under load, which looked like a hang),
 * and a test that clicks on before the move to Label is navigated away from its screen.
 */
export async function openProjectInUi(page: Page, file: string, opts: { timeoutMs?: number } = {}): Promise<void> {
  await page.getByTestId('nav-projects').click()
  await page.getByTestId('screen-projects').waitFor()
  await page.getByTestId('project-open-path').fill(file)
  await page.getByTestId('project-open').click()
  await expect
    .poll(
      async () => {
        // Read only what is there: textContent() on a missing element would wait (30 s) for it
        // instead of letting the poll retry.
        const error = page.getByTestId('projects-error')
        if (await error.count()) return `error: ${await error.textContent()}`
        const onLabel = (await page.getByTestId('screen-label').count()) > 0
        const path = await page.getByTestId('status-project').getAttribute('data-project-path', { timeout: 1_000 }).catch(() => null)
        return onLabel ? `open: ${path ?? '(none)'}` : `still opening (status bar: ${path ?? '(none)'})`
      },
      { timeout: opts.timeoutMs ?? 120_000 }
    )
    .toBe(`open: ${file}`)
}
