/**
 * Rolling latency percentiles and verdicts per second. Percentiles over the last
 * `capacity` verdicts (nearest-rank); fps over the last few seconds.
 */
export class LatencyStats {
  private readonly values: number[] = []
  private readonly times: number[] = []

  constructor(
    private readonly capacity: number,
    private readonly fpsWindowMs = 5000
  ) {}

  add(latencyMs: number, at: number): void {
    this.values.push(latencyMs)
    this.times.push(at)
    if (this.values.length > this.capacity) {
      this.values.shift()
      this.times.shift()
    }
  }

  clear(): void {
    this.values.length = 0
    this.times.length = 0
  }

  percentile(p: number): number {
    return percentile(this.values, p)
  }

  /** Verdicts per second in the last window (or since the first verdict, if sooner). */
  fps(now: number): number {
    const from = now - this.fpsWindowMs
    let n = 0
    let first = now
    for (let i = this.times.length - 1; i >= 0; i--) {
      if (this.times[i]! < from) break
      n++
      first = this.times[i]!
    }
    if (n < 2) return 0
    const span = Math.max(now - first, 1)
    return Math.round(((n - 1) / span) * 1000 * 100) / 100
  }
}

/** Nearest-rank percentile of a sample (0 for an empty one). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0
  const sorted = [...values].sort((a, b) => a - b)
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)))
  return sorted[rank - 1]!
}
