import { readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * The repository (or app) root. Both the TypeScript sources (electron/<dir>/x.ts) and the
 * built bundles (out/main/x.js) sit two levels below it, so one rule finds it in both.
 */
export function appRoot(): string {
  return fileURLToPath(new URL('../../', import.meta.url))
}

let cachedVersion: string | undefined
export function appVersion(): string {
  if (!cachedVersion) {
    const pkg = JSON.parse(readFileSync(join(appRoot(), 'package.json'), 'utf8')) as { version: string }
    cachedVersion = pkg.version
  }
  return cachedVersion
}

/**
 * Per-user data folder (downloaded weights, recent projects, settings). Overridable with
 * DEFECT_STUDIO_DATA_DIR, which tests always set to a temporary folder.
 */
export function dataDir(): string {
  const override = process.env.DEFECT_STUDIO_DATA_DIR
  if (override) return override
  if (process.platform === 'win32') return join(process.env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'Defect Studio')
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'Defect Studio')
  return join(process.env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'defect-studio')
}

/** Where an installer build puts bundled weights (see electron-builder.yml extraResources). */
export function resourcesDir(): string {
  const packaged = (process as NodeJS.Process & { resourcesPath?: string }).resourcesPath
  return packaged ? join(packaged, 'resources') : join(appRoot(), 'resources')
}
