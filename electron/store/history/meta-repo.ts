import { cachedStatement, type Db } from '../db'

/** Small named values of the history file (persistent counters). */
export class HistoryMetaRepository {
  constructor(private readonly db: Db) {}

  get(key: string): string | null {
    const row = cachedStatement(this.db, 'SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined
    return row?.value ?? null
  }

  set(key: string, value: string): void {
    cachedStatement(this.db, 'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value)
  }

  /** Next value of a persistent counter (part ids keep counting across restarts). */
  nextCounter(key: string): number {
    return this.db.transaction(() => {
      const n = Number(this.get(key) ?? '0') + 1
      this.set(key, String(n))
      return n
    }).immediate()
  }
}
