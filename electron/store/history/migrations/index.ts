import type { Migration } from '../../migrations/index'
import { historyMigration0001 } from './0001-initial'
import { historyMigration0002 } from './0002-line-outbox'

/**
 * Every migration of the inspection history file, in order, applied by the same
 * `migrate()` as the project's (electron/store/db.ts). Never edit a shipped one.
 */
export const historyMigrations: readonly Migration[] = [historyMigration0001, historyMigration0002]
