import { realpath, stat } from 'node:fs/promises'
import { isAbsolute, relative, resolve, sep } from 'node:path'
import { realTarget } from '../store/paths'
import { UserFacingError } from './errors'

/**
 * Checks every file system path that arrives over the API (docs/security.md, "Paths from
 * the API"). Everywhere: the path must be the right kind (a regular file or a folder, never
 * a device, pipe or socket) and a file to read must not be larger than its limit. In
 * browser mode also: the path, with its links resolved, must lie under an allowed root (the
 * open project's folder, the user data folder, folders the user configured). Electron's
 * window and the CLI are the local user's own choices and have no roots.
 */
export class FileAccess {
  /** `roots` = null: no root restriction (Electron, CLI, tests of the services alone). */
  constructor(private readonly roots: (() => string[]) | null) {}

  get restricted(): boolean {
    return this.roots !== null
  }

  /** The allowed roots as real paths (links resolved); null when nothing is restricted. */
  async allowedRoots(): Promise<string[] | null> {
    return this.roots ? realRoots(this.roots()) : null
  }

  /** An existing regular file to read, at most maxBytes; returns its real path. */
  async fileToRead(path: string, what: string, maxBytes: number): Promise<string> {
    const real = await this.existing(path, what)
    const info = await stat(real)
    if (!info.isFile()) throw new UserFacingError('failed', `${what} "${path}" is not a regular file${kindOf(info)}. Choose a file.`)
    if (info.size > maxBytes) throw new UserFacingError('failed', `${what} "${path}" is ${mib(info.size)}, larger than the ${mib(maxBytes)} allowed.`)
    await this.inRoots(real, what, path)
    return real
  }

  /** An existing folder to read (import, hot folder); returns its real path. */
  async folderToRead(path: string, what: string): Promise<string> {
    const real = await this.existing(path, what)
    const info = await stat(real)
    if (!info.isDirectory()) throw new UserFacingError('failed', `${what} "${path}" is not a folder${kindOf(info)}. Choose a folder.`)
    await this.inRoots(real, what, path)
    return real
  }

  /** A path that is either a file or a folder (dropped paths); kind is checked per file later. */
  async pathToRead(path: string, what: string): Promise<string> {
    const real = await this.existing(path, what)
    await this.inRoots(real, what, path)
    return real
  }

  /**
   * A file to create or replace: its folder must exist (or be creatable inside a root) and
   * an existing file there must be a regular file. Returns the real path it will have
   * (folder links resolved) and whether something is there already.
   */
  async fileToWrite(path: string, what: string): Promise<{ path: string; exists: boolean }> {
    if (!isAbsolute(path)) throw new UserFacingError('failed', `${what} "${path}" must be an absolute path.`)
    const target = await realTarget(resolve(path))
    const info = await stat(target).catch(() => null)
    if (info && !info.isFile()) throw new UserFacingError('failed', `${what} "${path}" exists and is not a regular file${kindOf(info)}. Choose another name.`)
    await this.inRoots(target, what, path)
    return { path: target, exists: info !== null }
  }

  /** A folder to write into (export): may be new; an existing one must be a folder. */
  async folderToWrite(path: string, what: string): Promise<string> {
    if (!isAbsolute(path)) throw new UserFacingError('failed', `${what} "${path}" must be an absolute path.`)
    const target = await realTarget(resolve(path))
    const info = await stat(target).catch(() => null)
    if (info && !info.isDirectory()) throw new UserFacingError('failed', `${what} "${path}" exists and is not a folder${kindOf(info)}.`)
    await this.inRoots(target, what, path)
    return target
  }

  private async existing(path: string, what: string): Promise<string> {
    if (!isAbsolute(path)) throw new UserFacingError('failed', `${what} "${path}" must be an absolute path.`)
    try {
      return await realpath(path)
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code === 'ENOENT' || code === 'ENOTDIR') throw new UserFacingError('not-found', `${what} "${path}" was not found.`)
      if (code === 'ELOOP') throw new UserFacingError('failed', `${what} "${path}" is a loop of symbolic links.`)
      throw new UserFacingError('failed', `${what} "${path}" cannot be read (${code ?? 'error'}).`)
    }
  }

  private async inRoots(real: string, what: string, given: string): Promise<void> {
    if (!this.roots) return
    const roots = await realRoots(this.roots())
    if (roots.some((root) => isInside(real, root))) return
    throw new UserFacingError(
      'failed',
      `${what} "${given}" is outside the folders browser mode may use (the project's folder, the data folder and the folders you allowed). Allow its folder with "defect-studio serve --allow-folder DIR" or in the data folder's settings.json ("allowedFolders").`
    )
  }
}

/** True when `path` is `root` or lies below it (both real, absolute paths). */
export function isInside(path: string, root: string): boolean {
  const rel = relative(root, path)
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel))
}

async function realRoots(roots: string[]): Promise<string[]> {
  const out: string[] = []
  for (const root of roots) {
    if (!root || !isAbsolute(root)) continue
    // A root not created yet (a fresh data folder) still counts: where it will be.
    const real = await realTarget(root).catch(() => null)
    if (real) out.push(real)
  }
  return out
}

function kindOf(info: { isDirectory(): boolean; isFIFO(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean; isSocket(): boolean }): string {
  if (info.isDirectory()) return ' (it is a folder)'
  if (info.isFIFO()) return ' (it is a pipe)'
  if (info.isCharacterDevice() || info.isBlockDevice()) return ' (it is a device)'
  if (info.isSocket()) return ' (it is a socket)'
  return ''
}

function mib(bytes: number): string {
  return `${Math.round((bytes / 1024 / 1024) * 10) / 10} MiB`
}
