import { z } from 'zod'
import { event, request } from './define'

/** A class with how many labelled images it has in each split. */
export interface ClassInfo {
  id: number
  name: string
  /** #rrggbb */
  colour: string
  order: number
  /** The class that means "good part" (at most one). */
  isGood: boolean
  count: number
  train: number
  val: number
}

export interface ProjectSummary {
  path: string
  name: string
  images: number
  classes: ClassInfo[]
}

export interface RecentProject {
  path: string
  name: string
  openedAt: string
}

export interface ExportReport {
  to: string
  exported: number
  labelled: number
  unlabelled: number
  csv: string
}

const path = z.string().min(1).max(4096)
const classId = z.number().int().positive()
const colour = z.string().regex(/^#[0-9a-fA-F]{6}$/)
const className = z.string().trim().min(1).max(100)
const empty = z.object({}).strict()
const demoPayload = z.object({ path: path.optional(), train: z.boolean().optional() }).strict()

/** What `projects:create-demo` (and `defect-studio demo`) made. */
export interface DemoReport {
  project: ProjectSummary
  /** Generated images per class name. */
  images: Record<string, number>
  goodClass: string
  /** The training run started for it (null when asked not to train). */
  runId: number | null
}

export const projectChannels = {
  'projects:create': request<z.ZodObject<{ path: typeof path }>, ProjectSummary>(
    z.object({ path }).strict(),
    'Create a new project file (refuses an existing file) and make it the open project.'
  ),
  'projects:open': request<z.ZodObject<{ path: typeof path }>, ProjectSummary>(z.object({ path }).strict(), 'Open a project file (migrating an older schema).'),
  'projects:close': request<typeof empty, { closed: boolean }>(empty, 'Close the open project.'),
  'projects:current': request<typeof empty, ProjectSummary | null>(empty, 'The open project with class counts, or null.'),
  'projects:recent': request<typeof empty, RecentProject[]>(empty, 'Recently opened projects that still exist, newest first.'),
  'projects:save-copy': request<z.ZodObject<{ path: typeof path; overwrite: z.ZodOptional<z.ZodBoolean> }>, { path: string; bytes: number }>(
    z.object({ path, overwrite: z.boolean().optional() }).strict(),
    'Save a complete copy of the open project (SQLite online backup); an existing file is replaced only with overwrite: true.'
  ),
  'projects:export': request<z.ZodObject<{ folder: typeof path }>, ExportReport>(
    z.object({ folder: path }).strict(),
    'Export images to train/ val/ <class>/ folders plus labels.csv (folder must be empty or new).'
  ),
  'projects:settings-get': request<typeof empty, Record<string, unknown>>(empty, 'All settings of the open project (key → JSON value).'),
  'projects:settings-set': request<z.ZodObject<{ key: z.ZodString; value: z.ZodOptional<z.ZodUnknown> }>, Record<string, unknown>>(
    z.object({ key: z.string().min(1).max(200), value: z.unknown().optional() }).strict(),
    'Set one project setting, checked against its schema (shared/contract/settings.ts); value null or omitted removes it; returns all settings.'
  ),
  'projects:create-demo': request<typeof demoPayload, DemoReport>(
    demoPayload,
    'Create a sample project from generated parts (good and a few defect kinds), open it and start a quick training run.'
  ),
  'classes:list': request<typeof empty, ClassInfo[]>(empty, 'Classes of the open project in display order, with counts.'),
  'classes:create': request<z.ZodObject<{ name: typeof className; colour: z.ZodOptional<typeof colour>; isGood: z.ZodOptional<z.ZodBoolean> }>, ClassInfo[]>(
    z.object({ name: className, colour: colour.optional(), isGood: z.boolean().optional() }).strict(),
    'Add a class (names are unique ignoring case); returns the updated class list.'
  ),
  'classes:update': request<
    z.ZodObject<{ id: typeof classId; name: z.ZodOptional<typeof className>; colour: z.ZodOptional<typeof colour>; isGood: z.ZodOptional<z.ZodBoolean> }>,
    ClassInfo[]
  >(
    z.object({ id: classId, name: className.optional(), colour: colour.optional(), isGood: z.boolean().optional() }).strict(),
    'Rename, recolour or mark a class as the good one; returns the updated class list.'
  ),
  'classes:reorder': request<z.ZodObject<{ ids: z.ZodArray<typeof classId> }>, ClassInfo[]>(
    z.object({ ids: z.array(classId).max(1000) }).strict(),
    'Put classes in this display order; returns the updated class list.'
  ),
  'classes:delete': request<z.ZodObject<{ id: typeof classId }>, { unlabelled: number; classes: ClassInfo[] }>(
    z.object({ id: classId }).strict(),
    'Delete a class; its images become unlabelled (recorded in label history).'
  ),
  'classes:merge': request<z.ZodObject<{ sourceId: typeof classId; targetId: typeof classId }>, { moved: number; classes: ClassInfo[] }>(
    z.object({ sourceId: classId, targetId: classId }).strict(),
    'Move every image of one class to another, then delete the first.'
  )
} as const

export const projectEvents = {
  'projects:changed': event(
    z.object({ project: z.object({ path: z.string(), name: z.string() }).nullable() }),
    'A project was opened, created or closed.'
  )
} as const
