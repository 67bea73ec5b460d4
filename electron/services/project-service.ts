import { existsSync } from 'node:fs'
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { createProject, openProject, type ProjectStore } from '../store/project-store'
import type { ClassRow, ClassWithCounts } from '../store/repositories/classes-repo'
import { dataDir } from './app-info'
import { NoProjectError, UserFacingError } from './errors'
import { checkProjectSetting } from '../../shared/contract/settings'

export interface RecentProject {
  path: string
  name: string
  openedAt: string
}

export interface ProjectSummary {
  path: string
  name: string
  images: number
  classes: ClassWithCounts[]
}

const RECENT_LIMIT = 12

/**
 * The project the app has open (at most one), the recent-projects list, and class edits
 * with store errors turned into user-facing ones. Used by the IPC/WebSocket handlers.
 */
export class ProjectService {
  private store: ProjectStore | null = null
  private readonly listeners = new Set<(store: ProjectStore | null) => void>()

  /** The open project, or throw NoProjectError. */
  current(): ProjectStore {
    if (!this.store) throw new NoProjectError()
    return this.store
  }

  currentOrNull(): ProjectStore | null {
    return this.store
  }

  /** Called with the new store (or null) whenever a project is opened or closed. */
  onChange(listener: (store: ProjectStore | null) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  async create(path: string): Promise<ProjectSummary> {
    const file = resolve(path)
    await mkdir(dirname(file), { recursive: true }).catch(() => undefined)
    const store = createProject(file)
    return this.switchTo(store)
  }

  async open(path: string): Promise<ProjectSummary> {
    const file = resolve(path)
    if (this.store?.file === file) return this.summary()
    const store = openProject(file)
    return this.switchTo(store)
  }

  close(): boolean {
    if (!this.store) return false
    this.store.close()
    this.store = null
    this.emit()
    return true
  }

  summary(): ProjectSummary {
    const store = this.current()
    return { path: store.file, name: store.name, images: store.images.count(), classes: store.classes.listWithCounts() }
  }

  async recent(): Promise<RecentProject[]> {
    const list = await readRecent()
    return list.filter((r) => existsSync(r.path))
  }

  // Classes: store errors become conflict / not-found results for the UI.
  listClasses(): ClassWithCounts[] {
    return this.current().classes.listWithCounts()
  }

  createClass(input: { name: string; colour?: string; isGood?: boolean }): ClassRow {
    return this.current().classes.create(input)
  }

  updateClass(id: number, changes: { name?: string; colour?: string; order?: number; isGood?: boolean }): ClassRow {
    return this.current().classes.update(id, changes)
  }

  reorderClasses(ids: number[]): ClassRow[] {
    return this.current().classes.reorder(ids)
  }

  deleteClass(id: number): { unlabelled: number } {
    const store = this.current()
    return store.classes.delete(id, store.labels.nextActionId())
  }

  mergeClasses(sourceId: number, targetId: number): { moved: number; target: ClassRow } {
    const store = this.current()
    return store.classes.merge(sourceId, targetId, store.labels.nextActionId())
  }

  getSettings(): Record<string, unknown> {
    return this.current().settings.all()
  }

  /**
   * Store one setting after checking it against its schema (shared/contract/settings.ts);
   * null or undefined removes it, so the default applies again.
   */
  setSetting(key: string, value: unknown): Record<string, unknown> {
    const store = this.current()
    if (value === undefined || value === null) {
      store.settings.set(key, undefined)
      return store.settings.all()
    }
    const checked = checkProjectSetting(key, value)
    if (!checked.ok) throw new UserFacingError('invalid-payload', `Setting "${key}" was not saved: ${checked.issues.join('; ')}`, checked.issues)
    store.settings.set(key, checked.value)
    return store.settings.all()
  }

  private async switchTo(store: ProjectStore): Promise<ProjectSummary> {
    this.store?.close()
    this.store = store
    await rememberRecent(store.file, store.name)
    this.emit()
    return this.summary()
  }

  private emit(): void {
    for (const l of this.listeners) l(this.store)
  }
}

function recentFile(): string {
  return join(dataDir(), 'recent.json')
}

/** The recent list; a missing or damaged file is an empty list, never an error. */
export async function readRecent(): Promise<RecentProject[]> {
  try {
    const parsed = JSON.parse(await readFile(recentFile(), 'utf8')) as unknown
    if (!Array.isArray(parsed)) return []
    return parsed.filter((r): r is RecentProject => typeof r?.path === 'string' && typeof r?.name === 'string' && typeof r?.openedAt === 'string')
  } catch {
    return []
  }
}

/** Put this project first in the recent list (atomic write: temp file + rename). */
export async function rememberRecent(path: string, name: string): Promise<void> {
  const list = (await readRecent()).filter((r) => r.path !== path)
  list.unshift({ path, name, openedAt: new Date().toISOString() })
  const file = recentFile()
  try {
    await mkdir(dirname(file), { recursive: true })
    const temp = `${file}.${process.pid}.tmp`
    await writeFile(temp, JSON.stringify(list.slice(0, RECENT_LIMIT), null, 2), 'utf8')
    await rename(temp, file)
  } catch {
    // The recent list is a convenience: failing to write it must not fail opening a project.
  }
}
