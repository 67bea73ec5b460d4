import { z } from 'zod'
import { event, request } from './define'

export type SplitName = 'train' | 'val'

export interface ImageItem {
  id: number
  sha256: string
  width: number
  height: number
  /** 'jpeg' | 'png' | 'webp' | 'tiff' */
  format: string
  byteSize: number
  originalName: string
  importedAt: string
  classId: number | null
  split: SplitName | null
  /** The active classifier's stored prediction (project class id), null when none yet. */
  suggestion?: { classId: number; confidence: number } | null
}

/** A validation image the model version gets wrong (Train screen gallery). */
export interface MisclassifiedItem {
  imageId: number
  originalName: string
  trueClass: string
  predictedClass: string
  confidence: number
}

export interface LabelHistoryEntry {
  oldClassId: number | null
  newClassId: number | null
  changedAt: string
  source: string
  undone: boolean
}

/** Progress of one import: files handled of the total, and what became of them so far. */
export interface ImportProgress {
  done: number
  total: number
  /** The file just handled ('' before the first). */
  currentFile: string
  imported: number
  duplicates: number
  rejected: number
}

/** The report an import ends with: every duplicate and every rejected file with its reason. */
export interface ImportReport {
  imported: number
  duplicates: Array<{ file: string; sameAs: string }>
  rejected: Array<{ file: string; reason: string; code: string }>
  skipped: Array<{ file: string; reason: string }>
  /** Files considered (imported + duplicates + rejected, or fewer when cancelled). */
  total: number
  cancelled: boolean
  layout: 'imagefolder' | 'flat' | 'files'
  /** Classes this import created. */
  classesCreated: string[]
  /** Subfolders not imported, each with why (e.g. "test/: not a class folder"). */
  skippedFolders: Array<{ folder: string; reason: string }>
  /** Images this import put into validation automatically, and by which rule. */
  validationSplit: {
    count: number
    /** The rule in English (the CLI prints it). */
    rule: string
    /** The rule's parts, for a screen to say it in its own language: the share each class keeps, and whether the folder's own val/ counts. */
    percent?: number
    ownValFolder?: boolean
  }
  /** The project's good class after the import (null: none marked yet; ask the user). */
  goodClass: string | null
}

export interface ImportProgressEvent extends ImportProgress {
  importId: string
}

export interface ImportReportView extends ImportReport {
  importId: string
}

const id = z.number().int().positive()
const ids = z.array(id).min(1).max(100_000)
const split = z.enum(['train', 'val'])
const path = z.string().min(1).max(4096)
const empty = z.object({}).strict()

const suggestPayload = z.object({ scope: z.enum(['unlabelled', 'all']) }).strict()
const versionPayload = z.object({ version: id }).strict()

const listPayload = z
  .object({
    /** A class id, null for unlabelled images only; omit for all. */
    classId: id.nullable().optional(),
    split: split.optional(),
    search: z.string().max(200).optional(),
    offset: z.number().int().min(0).default(0),
    limit: z.number().int().min(1).max(2000).default(200)
  })
  .strict()

export const imageChannels = {
  'images:list': request<typeof listPayload, { items: ImageItem[]; total: number }>(
    listPayload,
    'One page of images (import order) matching the filters, and how many match in all.'
  ),
  'images:get': request<z.ZodObject<{ id: typeof id }>, ImageItem & { history: LabelHistoryEntry[] }>(
    z.object({ id }).strict(),
    'One image with its label history.'
  ),
  'images:set-label': request<z.ZodObject<{ imageIds: typeof ids; classId: z.ZodNullable<typeof id> }>, { changed: number; actionId: number }>(
    z.object({ imageIds: ids, classId: id.nullable() }).strict(),
    'Label images with a class (null removes the label); one undo step.'
  ),
  'images:undo-label': request<typeof empty, { undone: boolean; imageIds: number[] }>(empty, 'Revert the last labelling action.'),
  'images:set-split': request<z.ZodObject<{ imageIds: typeof ids; split: typeof split }>, { changed: number }>(
    z.object({ imageIds: ids, split }).strict(),
    'Move images to train or val by hand.'
  ),
  'images:delete': request<z.ZodObject<{ imageIds: typeof ids }>, { deleted: number }>(
    z.object({ imageIds: ids }).strict(),
    'Remove images (bytes, thumbnail, label) from the project.'
  ),
  'images:import-folder': request<
    z.ZodObject<{ folder: typeof path; layout: z.ZodOptional<z.ZodEnum<{ auto: 'auto'; imagefolder: 'imagefolder'; flat: 'flat' }>>; goodClass: z.ZodOptional<z.ZodString> }>,
    ImportReportView
  >(
    z.object({ folder: path, layout: z.enum(['auto', 'imagefolder', 'flat']).optional(), goodClass: z.string().trim().min(1).max(100).optional() }).strict(),
    'Import a folder (train|val/<class>/* or <class>/*); resolves with the report, progress comes as events.'
  ),
  'images:import-files': request<z.ZodObject<{ paths: z.ZodArray<typeof path>; className: z.ZodOptional<z.ZodString> }>, ImportReportView>(
    z.object({ paths: z.array(path).min(1).max(100_000), className: z.string().trim().min(1).max(100).optional() }).strict(),
    'Import dropped files/folders; loose files get className (the class dropped on) or stay unlabelled.'
  ),
  'images:import-cancel': request<z.ZodObject<{ importId: z.ZodOptional<z.ZodString> }>, { cancelled: boolean }>(
    z.object({ importId: z.string().max(100).optional() }).strict(),
    'Cancel the running import; images stored so far stay.'
  ),
  'images:suggest': request<typeof suggestPayload, { modelVersion: number; predicted: number; failed: number }>(
    suggestPayload,
    "Predict the images of the scope not yet predicted by the active classifier; their suggestions then come with images:list."
  ),
  'models:misclassified': request<typeof versionPayload, MisclassifiedItem[]>(
    versionPayload,
    'Validation images whose prediction by this classifier version differs from their label (predicted first where missing).'
  )
} as const

export const imageEvents = {
  'images:import-progress': event(
    z.object({
      importId: z.string(),
      done: z.number().int(),
      total: z.number().int(),
      currentFile: z.string(),
      imported: z.number().int(),
      duplicates: z.number().int(),
      rejected: z.number().int()
    }),
    'Import progress: files handled of total, the current file, running counts.'
  ),
  'images:changed': event(
    z.object({ reason: z.enum(['import', 'label', 'split', 'delete', 'classes', 'suggestions']), imageIds: z.array(z.number().int()).optional() }),
    'Images or labels changed (by this window, another window or the inspection override).'
  )
} as const
