import type { FrameTiming } from '../contract/inspection'

/**
 * One camera frame's trip from the screen to its verdict on the screen, as epoch ms
 * (shared/timing/epoch-clock.ts). The screen stamps its stages (renderer/src/components/
 * inspection/frame-trace.ts); `server` is the main process's FrameTiming from the reply.
 */
export interface FrameTrace {
  /** The frame's capturedAt (Date.now() when the screen took it): the key the record carries as `time`. */
  capturedAt: number
  /** The same moment on the sub-ms scale. */
  taken: number
  grabbed?: number
  prepared?: number
  sent?: number
  /** The verdict (event or reply, whichever came first) reached the screen. */
  received?: number
  /** The store put it on screen (the next paint shows it). */
  shown?: number
  /** The reply came. */
  replied?: number
  server?: FrameTiming
}

/** The stages in order, each the time from the previous stamp (ms), and what it covers. */
export const FRAME_STAGES = [
  ['grab', 'video frame read as RGBA (VideoFrame.copyTo)'],
  ['prepare', 'crop + exact resize to the model input'],
  ['send', 'message built and handed to the socket'],
  ['up', 'socket to the pipeline (transport, schema check)'],
  ['queue', 'waiting in the pipeline for the engine'],
  ['to-worker', 'handed to the inspection worker'],
  ['worker', 'decode + models + heatmap in the worker'],
  ['from-worker', 'result back on the main thread'],
  ['record', 'verdict decided, history written'],
  ['down', 'verdict back to the screen (event or reply)'],
  ['to-shown', 'waiting for the animation frame that shows it'],
  ['paint', 'until the next animation frame (painted)']
] as const

export type FrameStage = (typeof FRAME_STAGES)[number][0]

/**
 * A painted frame's stage durations (ms), or null when a stamp is missing (e.g. the trace
 * was overwritten). `paintedEpoch`: when the verdict was seen painted.
 */
export function frameStages(t: FrameTrace, paintedEpoch: number): Record<FrameStage, number> | null {
  const s = t.server
  if (t.grabbed === undefined || t.prepared === undefined || t.sent === undefined || t.received === undefined || t.shown === undefined || !s) return null
  const workerStart = s.workerStart ?? s.engineStart
  const workerEnd = s.workerEnd ?? s.engineEnd
  return {
    grab: t.grabbed - t.taken,
    prepare: t.prepared - t.grabbed,
    send: t.sent - t.prepared,
    up: s.received - t.sent,
    queue: s.engineStart - s.received,
    'to-worker': workerStart - s.engineStart,
    worker: workerEnd - workerStart,
    'from-worker': s.engineEnd - workerEnd,
    record: s.recorded - s.engineEnd,
    down: t.received - s.recorded,
    'to-shown': t.shown - t.received,
    paint: paintedEpoch - t.shown
  }
}
