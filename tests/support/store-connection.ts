import type Database from 'better-sqlite3'
import type { HistoryStore } from '../../electron/store/history/history-store'
import type { ProjectStore } from '../../electron/store/project-store'

/**
 * Tests only: the store's own (private) connection, to read its per-connection pragmas or
 * to set up a state no repository offers (a run left "running" by a crash, a re-pointed
 * outbox row). App code never reaches it: there is no SQL outside electron/store/
 * (eslint.config.js, tests/unit/lint/no-sql-outside-store.test.ts).
 */
export function connectionOf(store: ProjectStore | HistoryStore): Database.Database {
  return (store as unknown as { db: Database.Database }).db
}
