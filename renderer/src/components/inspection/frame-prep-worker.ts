import type { InputSpec } from '../../../../shared/imaging/input-plan'
import { epochNow } from '../../../../shared/timing/epoch-clock'
import { prepareFrame } from './frame-prep'
import type { FrameFromWorker, FrameToWorker, PreparedInWorker } from './frame-prep-protocol'

/**
 * The camera frame's preparation off the page's main thread (a dedicated Web Worker, started
 * by frame-prep-client.ts): the VideoFrame arrives transferred, is read as RGBA here
 * (VideoFrame.copyTo) and cropped + resized exactly for the model (frame-prep.ts, the same
 * code as on the main thread and in the engine), and only the prepared bytes go back,
 * transferred. On the main thread those ~3-6 ms a frame delayed the verdict that had just
 * arrived (its paint) and the next reply's handling (bench/inspect-ui.ts, stages "down" and
 * "paint"). Pure computation: no DOM here.
 */

/** The full frame's RGBA buffer, reused while frames keep their size (a prepared frame is a new, small buffer). */
let rgba: Uint8Array | null = null

async function prepare(frame: VideoFrame, spec: InputSpec | null): Promise<PreparedInWorker | null> {
  try {
    const { width, height } = frame.visibleRect ?? { width: frame.displayWidth, height: frame.displayHeight }
    if (width === 0 || height === 0) return null
    if (rgba?.byteLength !== width * height * 4) rgba = new Uint8Array(width * height * 4)
    await frame.copyTo(rgba, { format: 'RGBA', colorSpace: 'srgb' })
    const grabbed = epochNow()
    const out = prepareFrame({ image: rgba, raw: { width, height, format: 'rgba' } }, spec)
    // Not prepared (no single spec, an upscale): the full frame goes back, so it leaves this worker.
    if (out.image === rgba) rgba = null
    return { image: out.image, raw: out.raw, grabbed, prepared: epochNow() }
  } finally {
    frame.close()
  }
}

addEventListener('message', (event: MessageEvent<FrameToWorker>) => {
  const { id, frame, spec } = event.data
  prepare(frame, spec).then(
    (result) => {
      const reply: FrameFromWorker = { id, ok: true, result }
      postMessage(reply, { transfer: result ? [result.image.buffer] : [] })
    },
    (error: unknown) => {
      const reply: FrameFromWorker = { id, ok: false, message: error instanceof Error ? error.message : String(error) }
      postMessage(reply)
    }
  )
})
