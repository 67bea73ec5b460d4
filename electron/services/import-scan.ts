import type { Dirent } from 'node:fs'
import { readdir, realpath, stat } from 'node:fs/promises'
import { basename, extname, join } from 'node:path'
import { rejectFromErrno } from '../imaging/decode'
import type { Split } from '../store/repositories/splits-repo'

/**
 * Turning an import request into a list of candidate files, each with the class and split
 * its location implies. Layouts:
 * - ImageFolder: root/train/<class>/…, root/val/<class>/… (also valid/, validation/);
 *   val/ is kept as validation. root/unlabelled/… and loose files are imported unlabelled.
 *   Other folders (test/, ground_truth/, …) are skipped and listed.
 * - Flat: root/<class>/… ; loose files in root are unlabelled.
 * Files inside a class folder belong to it at any depth. Only files with an image-like
 * extension are candidates in a folder scan (README.txt, .DS_Store are skipped and listed);
 * a file the user picked by name is always a candidate.
 * A list of paths (drag and drop): folders in it are scanned as above; loose files get the
 * class the caller names (the class the user dropped them on) or stay unlabelled — their
 * parent folder's name is NOT taken as a class, since a drop from "Downloads" or "Desktop"
 * would otherwise create nonsense classes.
 */

export type ImportSource =
  | { kind: 'folder'; folder: string; layout?: 'auto' | 'imagefolder' | 'flat' }
  | { kind: 'files'; paths: string[]; className?: string }

export interface ImportCandidate {
  file: string
  className?: string
  split?: Split
}

export interface ImportPlan {
  candidates: ImportCandidate[]
  /** Found but not importable at scan time (link loops, unreadable folders). */
  rejected: Array<{ file: string; reason: string; code: string }>
  /** Deliberately not imported (not an image extension, outside the layout). */
  skipped: Array<{ file: string; reason: string }>
  /** Whole subfolders left out (also listed in `skipped`), for the report's own line. */
  skippedFolders: Array<{ folder: string; reason: string }>
  layout: 'imagefolder' | 'flat' | 'files'
}

/** The import request itself is unusable (missing folder, nothing to import from). */
export class ImportSourceError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ImportSourceError'
  }
}

export const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.jpe', '.jfif', '.png', '.webp', '.tif', '.tiff', '.bmp', '.dib', '.gif', '.heic', '.heif', '.avif'])
const VAL_DIRS = new Set(['val', 'valid', 'validation'])
const UNLABELLED_DIRS = new Set(['unlabelled', 'unlabeled'])

export async function planImport(source: ImportSource): Promise<ImportPlan> {
  const plan: ImportPlan = { candidates: [], rejected: [], skipped: [], skippedFolders: [], layout: source.kind === 'files' ? 'files' : 'flat' }
  if (source.kind === 'folder') {
    await checkFolder(source.folder)
    plan.layout = await scanFolder(source.folder, source.layout ?? 'auto', plan)
    return plan
  }
  if (source.paths.length === 0) throw new ImportSourceError('No files were given to import.')
  for (const path of source.paths) {
    let isDir = false
    try {
      isDir = (await stat(path)).isDirectory()
    } catch (error) {
      const r = rejectFromErrno(path, error)
      plan.rejected.push({ file: path, reason: r.reason, code: r.code })
      continue
    }
    if (isDir) await scanFolder(path, 'auto', plan)
    else plan.candidates.push({ file: path, ...(source.className !== undefined ? { className: source.className } : {}) })
  }
  return plan
}

async function checkFolder(folder: string): Promise<void> {
  let info
  try {
    info = await stat(folder)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new ImportSourceError(
      code === 'ENOENT' ? `Folder "${folder}" does not exist. Check the path.` : `Folder "${folder}" cannot be opened (${code ?? (error as Error).message}).`
    )
  }
  if (!info.isDirectory()) throw new ImportSourceError(`"${folder}" is a file, not a folder. Import it as a file, or give its folder.`)
}

async function scanFolder(root: string, layout: 'auto' | 'imagefolder' | 'flat', plan: ImportPlan): Promise<'imagefolder' | 'flat'> {
  const visited = new Set<string>([await realpath(root)])
  const entries = await listDir(root, plan)
  const isImageFolder =
    layout === 'imagefolder' || (layout === 'auto' && entries.some((e) => isDirLike(e) && (e.name.toLowerCase() === 'train' || VAL_DIRS.has(e.name.toLowerCase()))))
  for (const entry of entries) {
    const path = join(root, entry.name)
    const lower = entry.name.toLowerCase()
    const dir = await resolveDir(path, entry, visited, plan)
    if (dir === 'rejected') continue
    if (!dir) {
      addFile(path, entry, {}, plan)
      continue
    }
    if (isImageFolder) {
      if (lower === 'train' || VAL_DIRS.has(lower)) await scanSplitDir(path, lower === 'train' ? 'train' : 'val', visited, plan)
      else if (UNLABELLED_DIRS.has(lower)) await walk(path, {}, visited, plan)
      else {
        const reason = 'folder is not part of the ImageFolder layout (train/, val/, unlabelled/)'
        plan.skipped.push({ file: path, reason })
        plan.skippedFolders.push({ folder: path, reason })
      }
    } else if (UNLABELLED_DIRS.has(lower)) await walk(path, {}, visited, plan)
    else await walk(path, { className: className(entry.name) }, visited, plan)
  }
  return isImageFolder ? 'imagefolder' : 'flat'
}

async function scanSplitDir(dir: string, split: Split, visited: Set<string>, plan: ImportPlan): Promise<void> {
  for (const entry of await listDir(dir, plan)) {
    const path = join(dir, entry.name)
    const sub = await resolveDir(path, entry, visited, plan)
    if (sub === 'rejected') continue
    if (sub) await walk(path, { className: className(entry.name), split }, visited, plan)
    else addFile(path, entry, { split }, plan)
  }
}

async function walk(dir: string, meta: Omit<ImportCandidate, 'file'>, visited: Set<string>, plan: ImportPlan): Promise<void> {
  for (const entry of await listDir(dir, plan)) {
    const path = join(dir, entry.name)
    const sub = await resolveDir(path, entry, visited, plan)
    if (sub === 'rejected') continue
    if (sub) await walk(path, meta, visited, plan)
    else addFile(path, entry, meta, plan)
  }
}

/**
 * true when the entry is a folder to descend into (a real one, or a link to one not seen
 * yet), false for files, 'rejected' for link loops and broken links.
 */
async function resolveDir(path: string, entry: Dirent, visited: Set<string>, plan: ImportPlan): Promise<boolean | 'rejected'> {
  if (entry.isDirectory()) {
    visited.add(await realpath(path))
    return true
  }
  if (!entry.isSymbolicLink()) return false
  try {
    const target = await stat(path)
    if (!target.isDirectory()) return false
    const real = await realpath(path)
    if (visited.has(real)) {
      plan.rejected.push({ file: path, code: 'symlink-loop', reason: 'is a symbolic link to a folder already being imported (a loop); skipped.' })
      return 'rejected'
    }
    visited.add(real)
    return true
  } catch (error) {
    const r = rejectFromErrno(path, error)
    plan.rejected.push({ file: path, reason: r.reason, code: r.code })
    return 'rejected'
  }
}

function addFile(path: string, entry: Dirent, meta: Omit<ImportCandidate, 'file'>, plan: ImportPlan): void {
  const name = entry.name
  if (name.startsWith('.')) {
    plan.skipped.push({ file: path, reason: 'hidden file' })
    return
  }
  if (!IMAGE_EXTENSIONS.has(extname(name).toLowerCase())) {
    plan.skipped.push({ file: path, reason: `not an image file name (${extname(name) || 'no extension'})` })
    return
  }
  plan.candidates.push({ file: path, ...meta })
}

async function listDir(dir: string, plan: ImportPlan): Promise<Dirent[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true })
    // Code-point order: the same folder gives the same import order on every machine.
    return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  } catch (error) {
    const r = rejectFromErrno(dir, error)
    plan.rejected.push({ file: dir, reason: r.reason.replace('an image file', 'a readable folder'), code: r.code })
    return []
  }
}

function isDirLike(entry: Dirent): boolean {
  return entry.isDirectory() || entry.isSymbolicLink()
}

/** Folder names may arrive decomposed (macOS NFD); classes are stored NFC. */
function className(folderName: string): string {
  return basename(folderName).normalize('NFC').trim()
}
