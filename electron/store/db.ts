import Database from 'better-sqlite3'
import { existsSync, statSync } from 'node:fs'
import { BUSY_TIMEOUT_MS, ProjectFileError } from './errors'
import { migrations, type Migration } from './migrations/index'

export type Db = Database.Database

const statements = new WeakMap<Db, Map<string, Database.Statement>>()

/**
 * The statement for `sql` on `db`, compiled once and kept with the connection: for the
 * statements a live line runs on every verdict (~25 a second), where compiling each time
 * showed in the profile (bench:inspect-ui --profile-server).
 */
export function cachedStatement(db: Db, sql: string): Database.Statement {
  let byText = statements.get(db)
  if (!byText) {
    byText = new Map()
    statements.set(db, byText)
  }
  let statement = byText.get(sql)
  if (!statement) {
    statement = db.prepare(sql)
    byText.set(sql, statement)
  }
  return statement
}

/** PRAGMA application_id marks a file as a Defect Studio project ("DfSt"). */
export const APPLICATION_ID = 0x44665374

export interface OpenDbOptions {
  /** Create the file when missing (default false: opening a missing project is an error). */
  create?: boolean
  /** Migrations to apply; tests pass a prefix to build older schema versions. */
  migrations?: readonly Migration[]
  /** Wait this long for another connection's write lock (default BUSY_TIMEOUT_MS). */
  busyTimeoutMs?: number
}

/**
 * Open (or create) a project database, set its pragmas and bring its schema up to date.
 *
 * Durability: WAL journal + synchronous=FULL. In WAL mode synchronous=NORMAL never
 * corrupts the file, but a power cut can drop the last committed transactions; labels and
 * model versions are what the user cannot redo, so every commit is fsynced (FULL). The cost
 * is one fsync per transaction, which is why imports commit one image per transaction
 * (small, whole) rather than one per file system call.
 */
export function openDatabase(file: string, opts: OpenDbOptions = {}): Db {
  const list = opts.migrations ?? migrations
  const exists = existsSync(file)
  if (!exists && !opts.create) throw new ProjectFileError(file, 'the file does not exist. Check the path, or create a new project.')
  if (exists && statSync(file).isDirectory()) throw new ProjectFileError(file, 'is a folder. Choose a project file (.dsproj).')
  let db: Db
  try {
    db = new Database(file, { fileMustExist: !opts.create })
  } catch (error) {
    throw new ProjectFileError(file, `cannot be opened (${(error as Error).message}). Check that the folder exists and is writable.`)
  }
  try {
    // Reading the header fails here for a file that is not SQLite at all.
    const appId = db.pragma('application_id', { simple: true }) as number
    const version = db.pragma('user_version', { simple: true }) as number
    const tableCount = (db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'").get() as { n: number }).n
    if (appId !== APPLICATION_ID && (appId !== 0 || tableCount > 0)) {
      throw new ProjectFileError(file, 'is an SQLite database but not a Defect Studio project. Choose a .dsproj file.')
    }
    if (version > list.length) {
      throw new ProjectFileError(file, `was written by a newer Defect Studio (schema ${version}, this version knows ${list.length}). Update Defect Studio to open it.`)
    }
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = FULL')
    db.pragma('foreign_keys = ON')
    // Another process (the CLI next to the app) may hold the write lock: wait for it. Every
    // write transaction is BEGIN IMMEDIATE (electron/store/README.md), so this wait covers
    // all of them. The wait blocks this process's event loop, so no transaction is long.
    db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(opts.busyTimeoutMs ?? BUSY_TIMEOUT_MS))}`)
    // Keep the -wal file from staying huge after a big import.
    db.pragma('journal_size_limit = 67108864')
    migrate(db, list)
    return db
  } catch (error) {
    db.close()
    if (error instanceof ProjectFileError) throw error
    const message = (error as Error).message
    if (/not a database|file is encrypted|malformed/i.test(message)) {
      throw new ProjectFileError(file, `is not a Defect Studio project or is damaged (${message}). Open a backup copy.`)
    }
    throw new ProjectFileError(file, `could not be opened: ${message}`)
  }
}

/**
 * Apply every migration newer than PRAGMA user_version, each in its own transaction, and
 * mark the file with `applicationId` (the project's by default; the inspection history
 * file has its own, electron/store/history/history-store.ts).
 */
export function migrate(db: Db, list: readonly Migration[] = migrations, applicationId = APPLICATION_ID): number {
  let version = db.pragma('user_version', { simple: true }) as number
  for (const m of list) {
    if (m.version <= version) continue
    if (m.version !== version + 1) throw new Error(`Migration ${m.version} (${m.name}) follows ${version}: the list has a gap.`)
    db.transaction(() => {
      db.exec(m.sql)
      db.pragma(`application_id = ${applicationId}`)
      db.pragma(`user_version = ${m.version}`)
    }).immediate()
    version = m.version
  }
  return version
}

/** ISO-8601 UTC, the one time format stored. */
export function nowIso(): string {
  return new Date().toISOString()
}
