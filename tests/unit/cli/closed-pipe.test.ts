import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

// `defect-studio … | head -1`: the reader closes the pipe and every later write fails with
// EPIPE. The CLI must stop writing quietly and exit with its own code, not die with an
// unhandled 'error' event and a stack trace on stderr.
const bin = fileURLToPath(new URL('../../../bin/defect-studio.js', import.meta.url))

describe('CLI writing into a closed pipe', () => {
  it('exits 0 with nothing on stderr when stdout is closed before it writes', async () => {
    const child = spawn(process.execPath, [bin, '--help'], { env: { ...process.env, DEFECT_STUDIO_FROM_SOURCE: '1' }, stdio: ['ignore', 'pipe', 'pipe'] })
    // Close our read end at once: the CLI needs a moment to start, so all its writes hit EPIPE.
    child.stdout.destroy()
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)))
    expect(stderr).toBe('')
    expect(code).toBe(0)
  }, 60_000)
})
