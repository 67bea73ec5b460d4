import Database from 'better-sqlite3'
import { basename, dirname, extname, join } from 'node:path'
import { APPLICATION_ID, migrate, type Db } from '../db'
import { BUSY_TIMEOUT_MS, HistoryOpenError } from '../errors'
import { HotFolderRepository } from './hot-folder-repo'
import { IncidentsRepository } from './incidents-repo'
import { InspectionImagesRepository } from './inspection-images-repo'
import { InspectionsRepository } from './inspections-repo'
import { LineOutboxRepository } from './line-outbox-repo'
import { HistoryMetaRepository } from './meta-repo'
import { historyMigrations } from './migrations/index'
import { WebhookOutboxRepository } from './webhook-outbox-repo'

/** PRAGMA application_id of an inspection history file ("DfSH"); files made before it was set carry 0. */
export const HISTORY_APPLICATION_ID = 0x44665348

/** `line1.dsproj` -> `line1.history.sqlite` in the same folder. */
export function historyFileFor(projectFile: string): string {
  const ext = extname(projectFile)
  return join(dirname(projectFile), `${basename(projectFile, ext)}.history.sqlite`)
}

/**
 * The inspection history: its own SQLite file beside the project (`<name>.history.sqlite`),
 * so the labelled data set stays compact and "save a copy" of the project stays fast. Also
 * holds the hot folder's memory, the webhook and line outboxes and the part-id counter: all
 * line-side state that must survive a restart. Same `migrate()` as the project file; the
 * connection is private, callers use the repositories.
 */
export class HistoryStore {
  readonly inspections: InspectionsRepository
  readonly images: InspectionImagesRepository
  readonly incidents: IncidentsRepository
  readonly hotFolder: HotFolderRepository
  readonly webhookOutbox: WebhookOutboxRepository
  readonly lineOutbox: LineOutboxRepository
  readonly meta: HistoryMetaRepository

  private constructor(
    readonly file: string,
    private readonly db: Db
  ) {
    this.inspections = new InspectionsRepository(db)
    this.images = new InspectionImagesRepository(db)
    this.incidents = new IncidentsRepository(db)
    this.hotFolder = new HotFolderRepository(db)
    this.webhookOutbox = new WebhookOutboxRepository(db)
    this.lineOutbox = new LineOutboxRepository(db)
    this.meta = new HistoryMetaRepository(db)
  }

  /** Open the history file `file`, creating it when missing, and bring its schema up to date. */
  static open(file: string): HistoryStore {
    return new HistoryStore(file, openHistoryDatabase(file))
  }

  /** The history beside `projectFile` (see historyFileFor). */
  static forProject(projectFile: string): HistoryStore {
    return HistoryStore.open(historyFileFor(projectFile))
  }

  get isOpen(): boolean {
    return this.db.open
  }

  close(): void {
    if (this.db.open) this.db.close()
  }
}

/**
 * Durability: WAL + synchronous=NORMAL. A power cut may drop the last verdicts written
 * (never corrupts the file); the line writes one record per part, many per second, and an
 * fsync for each would cost more than the record is worth. Labels and models live in the
 * project file, which is FULL (electron/store/db.ts).
 */
function openHistoryDatabase(file: string): Db {
  let db: Db
  try {
    db = new Database(file)
  } catch (error) {
    throw new HistoryOpenError(file, (error as Error).message)
  }
  try {
    const appId = db.pragma('application_id', { simple: true }) as number
    if (appId === APPLICATION_ID) throw new HistoryOpenError(file, 'it is a project file (.dsproj), not an inspection history')
    if (appId !== 0 && appId !== HISTORY_APPLICATION_ID) throw new HistoryOpenError(file, 'it is an SQLite database of another program')
    const version = db.pragma('user_version', { simple: true }) as number
    if (version > historyMigrations.length) {
      throw new HistoryOpenError(file, `it was written by a newer Defect Studio (schema ${version}, this version knows ${historyMigrations.length}); update Defect Studio`)
    }
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = NORMAL')
    db.pragma('foreign_keys = ON')
    // The CLI's `inspect` and the app may write the same history: wait for the other's lock.
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`)
    migrate(db, historyMigrations, HISTORY_APPLICATION_ID)
    // Files made before the history had its own mark: mark them now (their schema is current).
    if (appId === 0) db.pragma(`application_id = ${HISTORY_APPLICATION_ID}`)
    return db
  } catch (error) {
    db.close()
    if (error instanceof HistoryOpenError) throw error
    throw new HistoryOpenError(file, (error as Error).message)
  }
}
