import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

export const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..', '..')

export interface BrowserModeServer {
  /** e.g. http://127.0.0.1:43121/ (with ?token= when one was given) */
  url: string
  /** The temporary data folder (DEFECT_STUDIO_DATA_DIR) this server uses. */
  dataDir: string
  /** Everything the server wrote to stderr, for failure messages. */
  stderr(): string
  stop(): Promise<void>
}

export class ServeStartError extends Error {
  constructor(reason: string, stderr: string) {
    super(`"defect-studio serve" did not start: ${reason}\n--- its stderr ---\n${stderr.slice(-4000)}`)
    this.name = 'ServeStartError'
  }
}

/**
 * Start browser mode as a child process (`node bin/defect-studio.js serve --port 0 --json`)
 * with a fresh data folder, and resolve once it prints its "listening" line. The built
 * renderer must exist (npm run build); the test says so instead of showing a blank page.
 */
export async function startBrowserMode(opts: { args?: string[]; env?: Record<string, string>; timeoutMs?: number; nodeArgs?: string[] } = {}): Promise<BrowserModeServer> {
  if (!existsSync(join(REPO_ROOT, 'out', 'renderer', 'index.html'))) {
    throw new ServeStartError('out/renderer/index.html is missing: run "npm run build" first (npm run test:e2e does).', '')
  }
  const dataDir = await mkdtemp(join(tmpdir(), 'ds-e2e-data-'))
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), join(REPO_ROOT, 'bin', 'defect-studio.js'), 'serve', '--port', '0', '--json', ...(opts.args ?? [])], {
    cwd: REPO_ROOT,
    env: { ...process.env, DEFECT_STUDIO_DATA_DIR: dataDir, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stderr = ''
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
  })

  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new ServeStartError(`no "listening" line within ${opts.timeoutMs ?? 60_000} ms`, stderr)), opts.timeoutMs ?? 60_000)
    const lines = createInterface({ input: child.stdout! })
    lines.on('line', (line) => {
      try {
        const message = JSON.parse(line) as { event?: string; url?: string }
        if (message.event === 'listening' && message.url) {
          clearTimeout(timer)
          resolveUrl(message.url)
        }
      } catch {
        // not a JSON line: ignore (only --json lines matter)
      }
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new ServeStartError(`it exited with code ${code}`, stderr))
    })
  })

  return {
    url,
    dataDir,
    stderr: () => stderr,
    stop: async () => {
      await stopChild(child)
      await rm(dataDir, { recursive: true, force: true })
    }
  }
}

/** SIGTERM, then SIGKILL if the server has not exited within 10 s. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
  await exited
  clearTimeout(timer)
}
