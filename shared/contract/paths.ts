import { z } from 'zod'
import { request } from './define'

/**
 * Choosing files and folders from the screens, as the CLI takes paths. In Electron the
 * native dialog (`paths:pick`, registered by the main process only); in browser mode a
 * folder list served from the allowed roots (`paths:list`), where every path is checked
 * like any other path from the API (electron/services/file-access.ts).
 */

/** What is being chosen: it decides which files are listed and the dialog's filters. */
export const PathKind = z.enum(['folder', 'project', 'image', 'weights', 'model-package'])
export type PathKind = z.infer<typeof PathKind>

/** File name endings listed for each kind ('folder' lists images, to show what a folder holds). */
export const PATH_KIND_EXTENSIONS: Record<PathKind, readonly string[]> = {
  folder: ['.png', '.jpg', '.jpeg', '.bmp', '.tif', '.tiff', '.webp'],
  project: ['.dsproj'],
  image: ['.png', '.jpg', '.jpeg', '.bmp', '.tif', '.tiff', '.webp'],
  weights: ['.safetensors'],
  'model-package': ['.dsmodel']
}

export const PathListRequest = z
  .object({
    /** An absolute folder; omitted: the roots. */
    path: z.string().min(1).max(4096).optional(),
    kind: PathKind.default('folder')
  })
  .strict()

export interface PathEntryDto {
  name: string
  /** Absolute path (a link's own path; choosing it is checked again). */
  path: string
  kind: 'folder' | 'file'
}

export interface PathListingDto {
  /** The listed folder (its real path), or null for the list of roots. */
  path: string | null
  /** The folder above, or null at a root (go back to the roots). */
  parent: string | null
  /** Where browsing may start: browser mode's allowed roots. */
  roots: string[]
  entries: PathEntryDto[]
  /** More entries than are listed (the first ones by name are). */
  truncated: boolean
}

export const PathPickRequest = z
  .object({
    kind: PathKind,
    /** A file to create (save dialog) instead of an existing one. */
    save: z.boolean().optional(),
    /** The file name the save dialog proposes. */
    defaultName: z.string().min(1).max(255).optional()
  })
  .strict()

export const pathChannels = {
  'paths:list': request<typeof PathListRequest, PathListingDto>(
    PathListRequest,
    "A folder's subfolders and the files of the kind asked for, inside the folders this mode may use (browser mode's file picker)."
  ),
  'paths:pick': request<typeof PathPickRequest, { path: string | null }>(
    PathPickRequest,
    "The native open or save dialog (Electron only); null when the user cancelled."
  )
}
