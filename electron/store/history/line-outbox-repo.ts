import type { Db } from '../db'

/**
 * Persisted outbox of line messages (MQTT today), in the inspection history file (table
 * made by migrations/0002-line-outbox.ts): a message is written here before any attempt
 * to send it and deleted only once the broker has taken it, so nothing is lost while the
 * broker is away or the app restarts. Oldest first: the sender takes one row at a time,
 * which keeps the order.
 */
export interface LineOutboxRow {
  id: number
  target: string
  topic: string
  body: string
  qos: 0 | 1
  attempts: number
}

export class LineOutboxRepository {
  constructor(private readonly db: Db) {}

  enqueue(target: string, topic: string, body: string, qos: 0 | 1): number {
    const info = this.db.prepare('INSERT INTO line_outbox (target, topic, body, qos, created_ms) VALUES (?, ?, ?, ?, ?)').run(target, topic, body, qos, Date.now())
    return Number(info.lastInsertRowid)
  }

  oldest(target: string): LineOutboxRow | null {
    const row = this.db.prepare('SELECT id, target, topic, body, qos, attempts FROM line_outbox WHERE target = ? ORDER BY id LIMIT 1').get(target) as LineOutboxRow | undefined
    return row ?? null
  }

  remove(id: number): void {
    this.db.prepare('DELETE FROM line_outbox WHERE id = ?').run(id)
  }

  markFailed(id: number, error: string): void {
    this.db.prepare('UPDATE line_outbox SET attempts = attempts + 1, last_error = ? WHERE id = ?').run(error.slice(0, 1000), id)
  }

  count(target: string): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM line_outbox WHERE target = ?').get(target) as { n: number }).n
  }
}
