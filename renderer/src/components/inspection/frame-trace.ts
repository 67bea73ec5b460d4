import type { FrameTrace } from '../../../../shared/timing/frame-stages'
import { epochNow } from '../../../../shared/timing/epoch-clock'

/**
 * Where each camera frame's time goes on its way to the screen, kept for the last
 * TRACE_FRAMES frames (a bounded ring: a few numbers per frame, nothing grows). The screen
 * stamps its stages (grabbed, prepared, sent, verdict received, verdict shown), the main
 * process adds its own (FrameTiming, in the frame's reply), all as epoch ms on one scale
 * (shared/timing/epoch-clock.ts). bench/inspect-ui.ts reads the ring through
 * `window.__defectStudioFrameTrace` and prints each stage's p50/p95: that breakdown is what
 * makes the live path's latency target debuggable (stages: shared/timing/frame-stages.ts).
 */
export type { FrameTrace }
const TRACE_FRAMES = 1024
const ring: FrameTrace[] = []
let next = 0
const byCapture = new Map<number, FrameTrace>()

/** A new frame is being taken now; returns its trace to stamp. */
export function traceFrame(capturedAt: number): FrameTrace {
  const trace: FrameTrace = { capturedAt, taken: epochNow() }
  const old = ring[next]
  if (old && byCapture.get(old.capturedAt) === old) byCapture.delete(old.capturedAt)
  ring[next] = trace
  next = (next + 1) % TRACE_FRAMES
  byCapture.set(capturedAt, trace)
  return trace
}

/** The trace of the frame captured at `capturedAt` (a record's time), if it is still kept. */
export function frameTrace(capturedAt: number): FrameTrace | undefined {
  return byCapture.get(capturedAt)
}

/** Stamp a stage now, or at `at` (epoch ms) when it ended elsewhere (the frame worker). */
export function stamp(trace: FrameTrace | undefined, stage: 'grabbed' | 'prepared' | 'sent' | 'received' | 'shown' | 'replied', at?: number): void {
  if (trace && trace[stage] === undefined) trace[stage] = at ?? epochNow()
}

if (typeof window !== 'undefined') {
  Object.defineProperty(window, '__defectStudioFrameTrace', {
    configurable: true,
    value: Object.freeze({ frames: (): FrameTrace[] => ring.filter(Boolean).map((t) => ({ ...t })) })
  })
}
