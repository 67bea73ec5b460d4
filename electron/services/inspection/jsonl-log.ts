import { appendFile, mkdir, stat } from 'node:fs/promises'
import { dirname } from 'node:path'

/**
 * Append-only JSON Lines log: one object per line, in order, never rewritten. Writes are
 * chained in the background so inspection never waits for the disk; a failed write is
 * reported once per burst and the line kept for the next attempt (nothing dropped).
 */
export class JsonlLog {
  private chain: Promise<void> = Promise.resolve()
  private backlog: string[] = []
  private failing = false

  constructor(
    readonly file: string,
    private readonly onError?: (message: string) => void
  ) {}

  /** Queue one line; returns at once. */
  append(value: unknown): void {
    this.backlog.push(JSON.stringify(value) + '\n')
    this.chain = this.chain.then(() => this.flush())
  }

  /** Resolves when everything queued so far is written (or has failed and is kept). */
  flushed(): Promise<void> {
    return this.chain
  }

  private async flush(): Promise<void> {
    if (this.backlog.length === 0) return
    const text = this.backlog.join('')
    const n = this.backlog.length
    try {
      await mkdir(dirname(this.file), { recursive: true })
      // Appending to a pipe would block until a reader comes, to a device would go nowhere.
      const info = await stat(this.file).catch(() => null)
      if (info && !info.isFile()) throw new Error('it is not a regular file (a folder, pipe or device)')
      await appendFile(this.file, text, { encoding: 'utf8', flag: 'a' })
      this.backlog.splice(0, n)
      this.failing = false
    } catch (error) {
      if (!this.failing) this.onError?.(`Could not append to the JSONL log "${this.file}": ${(error as Error).message}. Lines are kept and written on the next result.`)
      this.failing = true
    }
  }
}
