import type { WebhookOutboxRepository, WebhookOutboxRow } from '../../store/history/webhook-outbox-repo'

/**
 * Webhook delivery: POST one JSON body per result. Each body is first written to a
 * persisted outbox (the history file's webhook outbox) and then sent by a background loop, so
 * inspection never waits on the network and nothing is lost across failures or
 * restarts. Delivery is in order; a failing endpoint is retried with exponential backoff.
 */
export interface WebhookOptions {
  outbox: WebhookOutboxRepository
  /** Per-attempt timeout. */
  timeoutMs?: number
  /** Backoff after the first failure, doubling up to maxBackoffMs. */
  baseBackoffMs?: number
  maxBackoffMs?: number
  onError?: (message: string) => void
  fetchImpl?: typeof fetch
}

export class WebhookSender {
  private timer: NodeJS.Timeout | null = null
  private running = false
  private closed = false
  private delivered = 0
  private idleWaiters: Array<() => void> = []
  private readonly timeoutMs: number
  private readonly baseBackoffMs: number
  private readonly maxBackoffMs: number

  constructor(private readonly options: WebhookOptions) {
    this.timeoutMs = options.timeoutMs ?? 5000
    this.baseBackoffMs = options.baseBackoffMs ?? 500
    this.maxBackoffMs = options.maxBackoffMs ?? 60_000
    // Deliver whatever a previous run left in the outbox.
    this.schedule(0)
  }

  /** Persist one body for `url` and return at once; delivery happens in the background. */
  enqueue(url: string, body: unknown): void {
    this.options.outbox.enqueue(url, JSON.stringify(body))
    if (!this.running) this.schedule(0)
  }

  pending(): number {
    return this.options.outbox.count()
  }

  deliveredCount(): number {
    return this.delivered
  }

  /** Resolves when the outbox is empty (tests, shutdown). */
  drained(): Promise<void> {
    if (this.pending() === 0) return Promise.resolve()
    return new Promise((resolve) => this.idleWaiters.push(resolve))
  }

  close(): void {
    this.closed = true
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
  }

  private schedule(delayMs: number): void {
    if (this.closed) return
    if (this.timer) clearTimeout(this.timer)
    this.timer = setTimeout(() => {
      this.timer = null
      void this.drain()
    }, delayMs)
    this.timer.unref?.()
  }

  private async drain(): Promise<void> {
    if (this.running || this.closed) return
    this.running = true
    try {
      for (;;) {
        if (this.closed) return
        const row = this.options.outbox.oldest()
        if (!row) {
          const waiters = this.idleWaiters
          this.idleWaiters = []
          for (const w of waiters) w()
          return
        }
        const wait = row.nextAttemptMs - Date.now()
        if (wait > 0) {
          this.schedule(wait)
          return
        }
        const error = await this.post(row)
        if (this.closed) return
        if (error === null) {
          this.options.outbox.remove(row.id)
          this.delivered++
        } else {
          const attempts = row.attempts + 1
          const backoff = Math.min(this.maxBackoffMs, this.baseBackoffMs * 2 ** Math.min(attempts - 1, 20))
          this.options.outbox.markFailed(row.id, attempts, Date.now() + backoff, error)
          if (attempts === 1 || attempts % 10 === 0) {
            this.options.onError?.(`Webhook ${row.url} failed (${error}); attempt ${attempts}, retrying in ${Math.round(backoff)} ms. Results wait in the outbox.`)
          }
        }
      }
    } finally {
      this.running = false
    }
  }

  /** One attempt: null on a 2xx answer, else the reason. */
  private async post(row: WebhookOutboxRow): Promise<string | null> {
    const controller = new AbortController()
    const timer = setTimeout(() => controller.abort(), this.timeoutMs)
    try {
      const response = await (this.options.fetchImpl ?? fetch)(row.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-defect-studio-delivery': String(row.id) },
        body: row.body,
        signal: controller.signal
      })
      await response.arrayBuffer().catch(() => undefined)
      return response.ok ? null : `HTTP ${response.status}`
    } catch (error) {
      return controller.signal.aborted ? `no answer within ${this.timeoutMs} ms` : (error as Error).message
    } finally {
      clearTimeout(timer)
    }
  }
}
