import type { Db } from '../db'

/** One webhook body waiting to be delivered. */
export interface WebhookOutboxRow {
  id: number
  url: string
  body: string
  attempts: number
  /** Epoch ms before which the next attempt must not be made (backoff). */
  nextAttemptMs: number
}

/**
 * Persisted webhook outbox: a body is written before any attempt to send it and deleted
 * once the endpoint has taken it. Oldest first, so delivery keeps the order.
 */
export class WebhookOutboxRepository {
  constructor(private readonly db: Db) {}

  enqueue(url: string, body: string, now = Date.now()): void {
    this.db.prepare('INSERT INTO webhook_outbox (url, body, attempts, next_attempt_ms, created_ms) VALUES (?, ?, 0, ?, ?)').run(url, body, now, now)
  }

  count(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM webhook_outbox').get() as { n: number }).n
  }

  oldest(): WebhookOutboxRow | null {
    const row = this.db.prepare('SELECT id, url, body, attempts, next_attempt_ms FROM webhook_outbox ORDER BY id LIMIT 1').get() as
      | { id: number; url: string; body: string; attempts: number; next_attempt_ms: number }
      | undefined
    return row ? { id: row.id, url: row.url, body: row.body, attempts: row.attempts, nextAttemptMs: row.next_attempt_ms } : null
  }

  remove(id: number): void {
    this.db.prepare('DELETE FROM webhook_outbox WHERE id = ?').run(id)
  }

  /** Count a failed attempt and hold the row back until `nextAttemptMs`. */
  markFailed(id: number, attempts: number, nextAttemptMs: number, error: string): void {
    this.db.prepare('UPDATE webhook_outbox SET attempts = ?, next_attempt_ms = ?, last_error = ? WHERE id = ?').run(attempts, nextAttemptMs, error, id)
  }
}
