import type { RawFrame } from '../../../../shared/contract/index'
import type { InputSpec } from '../../../../shared/imaging/input-plan'

/**
 * The messages between the page and its frame-preparation worker (frame-prep-worker.ts,
 * started by frame-prep-client.ts). Times are epoch ms (shared/timing/epoch-clock.ts), on
 * the same scale as the page's frame trace.
 */

/** Page -> worker: one video frame (transferred; the worker closes it) and the input to prepare it for. */
export interface FrameToWorker {
  id: number
  frame: VideoFrame
  spec: InputSpec | null
}

/** The frame read and prepared: the bytes (transferred) and when each step ended. */
export interface PreparedInWorker {
  image: Uint8Array
  raw: RawFrame
  /** The frame was read as RGBA. */
  grabbed: number
  /** The crop + exact resize ended. */
  prepared: number
}

/** Worker -> page: the prepared frame, null when the video frame had no pixels, or why it failed. */
export type FrameFromWorker = { id: number; ok: true; result: PreparedInWorker | null } | { id: number; ok: false; message: string }
