import { mkdir, readdir, rename, writeFile } from 'node:fs/promises'
import { extname, join } from 'node:path'
import type { ProjectStore } from '../store/project-store'
import { UserFacingError } from './errors'

export interface ExportReport {
  to: string
  /** Images written (labelled and unlabelled). */
  exported: number
  labelled: number
  unlabelled: number
  csv: string
}

/**
 * Export a project back to the ImageFolder layout it can be imported from:
 * `<to>/train/<class>/<file>`, `<to>/val/<class>/<file>`, `<to>/unlabelled/<file>`, plus
 * `<to>/labels.csv` (file, class, split, sha256, width, height, original_name). Bytes are
 * the originals. File names keep the original name; a clash gets "-<sha8>" before the
 * extension. labels.csv is written last (temp + rename): its presence marks a complete export.
 */
export async function exportProject(store: ProjectStore, to: string, opts: { signal?: AbortSignal } = {}): Promise<ExportReport> {
  await ensureEmptyFolder(to)
  const classes = new Map(store.classes.list().map((c) => [c.id, c]))
  const folderOf = new Map<number, string>()
  const usedFolders = new Set<string>()
  for (const c of classes.values()) {
    let folder = safeName(c.name)
    if (usedFolders.has(folder.toLowerCase())) folder = `${folder}-${c.id}`
    usedFolders.add(folder.toLowerCase())
    folderOf.set(c.id, folder)
  }
  const labelled = new Map(store.images.listLabelled().map((l) => [l.id, l]))
  const usedNames = new Set<string>()
  const rows: string[][] = [['file', 'class', 'split', 'sha256', 'width', 'height', 'original_name']]
  let exported = 0
  const createdDirs = new Set<string>()
  for (const image of store.images.iterateBytes()) {
    if (opts.signal?.aborted) throw new UserFacingError('cancelled', `Export to "${to}" was cancelled after ${exported} images; the folder is incomplete.`)
    const meta = store.images.get(image.id)
    const label = labelled.get(image.id)
    const dirParts = label ? [label.split ?? 'train', folderOf.get(label.classId)!] : ['unlabelled']
    const dir = join(to, ...dirParts)
    let name = safeName(image.originalName)
    const key = `${dirParts.join('/')}/${name}`.toLowerCase()
    if (usedNames.has(key)) {
      const ext = extname(name)
      name = `${name.slice(0, name.length - ext.length)}-${image.sha256.slice(0, 8)}${ext}`
    }
    usedNames.add(`${dirParts.join('/')}/${name}`.toLowerCase())
    if (!createdDirs.has(dir)) {
      await mkdir(dir, { recursive: true })
      createdDirs.add(dir)
    }
    await writeFile(join(dir, name), image.bytes)
    rows.push([
      [...dirParts, name].join('/'),
      label ? classes.get(label.classId)!.name : '',
      label ? (label.split ?? 'train') : '',
      image.sha256,
      String(meta.width),
      String(meta.height),
      image.originalName
    ])
    exported++
  }
  const csv = join(to, 'labels.csv')
  await writeFile(`${csv}.partial`, rows.map((r) => r.map(csvField).join(',')).join('\n') + '\n', 'utf8')
  await rename(`${csv}.partial`, csv)
  return { to, exported, labelled: labelled.size, unlabelled: exported - labelled.size, csv }
}

async function ensureEmptyFolder(to: string): Promise<void> {
  try {
    const entries = await readdir(to)
    if (entries.length > 0) throw new UserFacingError('conflict', `Export folder "${to}" is not empty. Choose an empty or new folder.`)
  } catch (error) {
    if (error instanceof UserFacingError) throw error
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOTDIR') throw new UserFacingError('conflict', `"${to}" is a file. Choose a folder to export to.`)
    if (code !== 'ENOENT') throw new UserFacingError('failed', `Export folder "${to}" cannot be used (${code}).`)
  }
  await mkdir(to, { recursive: true })
}

/** A name safe as one path component on Windows, macOS and Linux (any script is kept). */
export function safeName(name: string): string {
  // eslint-disable-next-line no-control-regex
  let s = name.normalize('NFC').replace(/[<>:"/\\|?*\u0000-\u001f]/g, '_').replace(/[. ]+$/, '')
  if (s === '' || s === '.' || s === '..') s = '_'
  if (/^(con|prn|aux|nul|com\d|lpt\d)(\..*)?$/i.test(s)) s = `_${s}`
  return s
}

function csvField(v: string): string {
  return /[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v
}
