import type { InputSpec } from '../../../../shared/imaging/input-plan'
import type { FrameFromWorker, FrameToWorker, PreparedInWorker } from './frame-prep-protocol'

/**
 * The page's side of the frame-preparation worker (frame-prep-worker.ts): hands it the
 * video's current frame as a VideoFrame (transferred, no pixel copy on this thread) and
 * resolves with the prepared bytes. One worker per camera; started on the first frame.
 * Rejects when the worker cannot do it (no module workers, a frame it cannot read): the
 * caller then prepares frames on the main thread, as before (use-camera.ts).
 */
export class FramePrepWorker {
  private worker: Worker | null = null
  private nextId = 1
  private readonly pending = new Map<number, { resolve: (r: PreparedInWorker | null) => void; reject: (e: Error) => void }>()

  /** The video's frame now, read and prepared for `spec` in the worker; null when the video has no frame. */
  prepare(video: HTMLVideoElement, spec: InputSpec | null): Promise<PreparedInWorker | null> {
    const worker = this.start()
    const frame = new VideoFrame(video)
    const id = this.nextId++
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject })
      const message: FrameToWorker = { id, frame, spec }
      try {
        worker.postMessage(message, [frame])
      } catch (error) {
        this.pending.delete(id)
        frame.close()
        reject(error instanceof Error ? error : new Error(String(error)))
      }
    })
  }

  close(): void {
    this.worker?.terminate()
    this.worker = null
    this.failAll('the camera stopped')
  }

  private start(): Worker {
    if (this.worker) return this.worker
    const worker = new Worker(new URL('./frame-prep-worker.ts', import.meta.url), { type: 'module', name: 'frame-prep' })
    worker.addEventListener('message', (event: MessageEvent<FrameFromWorker>) => {
      const reply = event.data
      const waiting = this.pending.get(reply.id)
      if (!waiting) return
      this.pending.delete(reply.id)
      if (reply.ok) waiting.resolve(reply.result)
      else waiting.reject(new Error(`The frame could not be prepared in the worker: ${reply.message}`))
    })
    // A worker that does not load (or crashes) fails what it holds; the caller falls back.
    worker.addEventListener('error', (event) => {
      event.preventDefault()
      this.worker?.terminate()
      this.worker = null
      this.failAll(event.message || 'the frame worker failed to start')
    })
    this.worker = worker
    return worker
  }

  private failAll(reason: string): void {
    const waiting = [...this.pending.values()]
    this.pending.clear()
    for (const w of waiting) w.reject(new Error(reason))
  }
}
