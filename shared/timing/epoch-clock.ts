/**
 * Milliseconds since the epoch with sub-millisecond resolution, on the same scale in the
 * renderer, the main process and worker threads (each `performance.timeOrigin` is an epoch
 * time), so one frame's stage times can be compared across them (FrameTiming in
 * shared/contract/inspection.ts). Date.now() has whole milliseconds only.
 */
export function epochNow(): number {
  return performance.timeOrigin + performance.now()
}
