import { readFileSync } from 'node:fs'
import { dirname, isAbsolute, join } from 'node:path'
import { dataDir } from './app-info'

/** The data folder's own settings file (not a project setting: the API cannot change it). */
export function appSettingsFile(): string {
  return join(dataDir(), 'settings.json')
}

/**
 * Folders the user allowed for browser mode in the data folder's settings.json
 * (`{ "allowedFolders": ["/srv/photos", …] }`). It is read on every check so an edit
 * applies at once; a missing or damaged file allows nothing extra. Deliberately not
 * writable over the API: a client must not be able to widen its own roots.
 */
export function configuredFolders(): string[] {
  try {
    const parsed = JSON.parse(readFileSync(appSettingsFile(), 'utf8')) as { allowedFolders?: unknown }
    if (!Array.isArray(parsed.allowedFolders)) return []
    return parsed.allowedFolders.filter((f): f is string => typeof f === 'string' && isAbsolute(f))
  } catch {
    return []
  }
}

/**
 * Browser mode's allowed roots (docs/decisions.md, "Browser mode"): the open project's folder, the user
 * data folder, folders configured in settings.json, and folders the server itself was given
 * (`serve --allow-folder`, its upload folder).
 */
export function browserRoots(openProjectFile: () => string | null, extra: readonly string[]): () => string[] {
  return () => {
    const project = openProjectFile()
    return [...(project ? [dirname(project)] : []), dataDir(), ...extra, ...configuredFolders()]
  }
}
