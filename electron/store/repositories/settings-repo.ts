import type { Db } from '../db'
import { nowIso } from '../db'

/** Per-project settings: one JSON value per key (e.g. "split.valFraction", "inspection.fit"). */
export class SettingsRepository {
  constructor(private readonly db: Db) {}

  get<T>(key: string, fallback: T): T {
    const row = this.db.prepare('SELECT value_json FROM settings WHERE key = ?').get(key) as { value_json: string } | undefined
    if (!row) return fallback
    try {
      return JSON.parse(row.value_json) as T
    } catch {
      return fallback
    }
  }

  set(key: string, value: unknown): void {
    if (value === undefined) {
      this.db.prepare('DELETE FROM settings WHERE key = ?').run(key)
      return
    }
    this.db
      .prepare('INSERT INTO settings (key, value_json, updated_at) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value_json = excluded.value_json, updated_at = excluded.updated_at')
      .run(key, JSON.stringify(value), nowIso())
  }

  all(): Record<string, unknown> {
    const rows = this.db.prepare('SELECT key, value_json FROM settings ORDER BY key').all() as Array<{ key: string; value_json: string }>
    return Object.fromEntries(rows.map((r) => [r.key, JSON.parse(r.value_json) as unknown]))
  }
}

/** Setting keys the store itself reads. */
export const SETTING_VAL_FRACTION = 'split.valFraction'
export const DEFAULT_VAL_FRACTION = 0.2
