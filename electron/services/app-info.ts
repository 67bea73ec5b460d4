import { existsSync, readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { BackboneDirs } from '../engine/models/backbones'

let cachedRoot: string | undefined
/**
 * The repository (or packaged app) root: the nearest folder above this module holding our
 * package.json. Sources (electron/services/) and bundles (out/main/chunks/) sit at
 * different depths, so the root is found, not assumed.
 */
export function appRoot(): string {
  if (cachedRoot) return cachedRoot
  let dir = dirname(fileURLToPath(import.meta.url))
  for (;;) {
    const candidate = join(dir, 'package.json')
    if (existsSync(candidate) && (JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string }).name === 'defect-studio') {
      cachedRoot = dir
      return dir
    }
    const parent = dirname(dir)
    if (parent === dir) throw new Error('Cannot find Defect Studio\'s package.json above ' + fileURLToPath(import.meta.url))
    dir = parent
  }
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

/** The folders the engine's backbone manager works in (engine/models/backbones.ts). */
export function backboneDirs(): BackboneDirs {
  return { dataDir: dataDir(), resourcesDir: resourcesDir() }
}
