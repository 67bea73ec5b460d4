import { migration0001 } from './0001-initial'

export interface Migration {
  /** 1, 2, 3, ...: stored in PRAGMA user_version once applied. */
  version: number
  name: string
  sql: string
}

/**
 * Every migration, in order. They are TypeScript modules holding SQL (not .sql files) so
 * that the bundled main process carries them without a loader. Never edit a shipped one.
 */
export const migrations: readonly Migration[] = [migration0001]
