import { readdir, realpath, stat } from 'node:fs/promises'
import { homedir } from 'node:os'
import { dirname, extname, join } from 'node:path'
import { PATH_KIND_EXTENSIONS, type PathEntryDto, type PathKind, type PathListingDto } from '../../shared/contract/paths'
import { isInside, type FileAccess } from './file-access'

/** More entries than a person scrolls through; the rest are counted as truncated. */
export const MAX_LISTED_ENTRIES = 2000

/**
 * Browser mode's file picker: one folder's subfolders and the files of the kind asked for.
 * The folder is checked like every path from the API (real path inside an allowed root),
 * and so is every entry that is a link: a link leading outside the roots is not listed,
 * nor are hidden entries, devices, pipes and sockets. Without a path: the roots.
 */
export async function listPaths(files: FileAccess, request: { path?: string; kind: PathKind }): Promise<PathListingDto> {
  const roots = await files.allowedRoots()
  // The project's folder is often one of the allowed folders too: each root once.
  const starts = [...new Set(roots ?? [homedir()])]
  if (!request.path) {
    return { path: null, parent: null, roots: starts, entries: starts.map((r) => ({ name: r, path: r, kind: 'folder' as const })), truncated: false }
  }
  const folder = await files.folderToRead(request.path, 'The folder')
  const endings = PATH_KIND_EXTENSIONS[request.kind]
  const dirents = (await readdir(folder, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))
  const entries: PathEntryDto[] = []
  let truncated = false
  for (const d of dirents) {
    if (d.name.startsWith('.')) continue
    const full = join(folder, d.name)
    let kind: PathEntryDto['kind'] | null = d.isDirectory() ? 'folder' : d.isFile() ? 'file' : null
    if (d.isSymbolicLink()) {
      const real = await realpath(full).catch(() => null)
      if (!real || (roots && !roots.some((root) => isInside(real, root)))) continue
      const info = await stat(real).catch(() => null)
      kind = info?.isDirectory() ? 'folder' : info?.isFile() ? 'file' : null
    }
    if (kind === null) continue
    if (kind === 'file' && !endings.includes(extname(d.name).toLowerCase())) continue
    if (entries.length >= MAX_LISTED_ENTRIES) {
      truncated = true
      break
    }
    entries.push({ name: d.name, path: full, kind })
  }
  // Folders first, as every file dialog shows them.
  entries.sort((a, b) => (a.kind === b.kind ? 0 : a.kind === 'folder' ? -1 : 1))
  const up = dirname(folder)
  const parent = up !== folder && (!roots || roots.some((root) => isInside(up, root))) ? up : null
  return { path: folder, parent, roots: starts, entries, truncated }
}
