import { Inspector, type AnomalyModelBytes, type ClassifierModelBytes, type InspectFrameRequest, type InspectFrameResult } from '../../infer/inspector'
import { defineHandler } from '../protocol'
import { epochNow } from '../../../../shared/timing/epoch-clock'

/**
 * Live inspection in a worker thread of its own (services/inspection/worker-engine.ts):
 * each frame arrives as bytes (moved, not copied): an encoded file is decoded once here,
 * a raw camera frame is used as it is; then it is run
 * through the session's classifier and anomaly model. No ONNX session of the live path
 * runs on the main thread.
 */
// Spinning off: a live frame's models run for a few ms 30 times a second, and onnxruntime's
// idle threads busy-waiting between frames burnt CPU that the screen (the camera, the
// browser's rendering) needs on the same cores; measured with bench/inspect-ui.ts (CPU ms per
// verdict, electron/services/inspection/README.md).
const inspector = new Inspector({ spinning: false })

export type InspectLoadPayload = { key: string } & (({ kind: 'classifier' } & ClassifierModelBytes) | ({ kind: 'anomaly' } & AnomalyModelBytes))

export const inspectHandlers = {
  /** Load a model version for inspection under `key` (idempotent); frees models not in `keep`. */
  'inspect:load': defineHandler<InspectLoadPayload & { keep?: string[] }, { key: string }>(async (p) => {
    if (p.keep) await inspector.unloadExcept([...p.keep, p.key])
    if (p.kind === 'classifier') await inspector.loadClassifier(p.key, p)
    else await inspector.loadAnomaly(p.key, p)
    return { key: p.key }
  }),

  /** image: encoded JPEG/PNG bytes of one frame, or its raw pixels as `raw` describes. */
  'inspect:frame': defineHandler<InspectFrameRequest & { image: Uint8Array }, InspectFrameResult & { worker: { start: number; end: number } }>(async (p) => {
    const start = epochNow()
    const { image, ...request } = p
    const result = await inspector.inspect(image, request)
    // When this thread had the frame (epoch ms): the pipeline's FrameTiming shows the wait to and from the worker.
    return { ...result, worker: { start, end: epochNow() } }
  }),

  'inspect:loaded': defineHandler<{ key: string }, { loaded: boolean }>((p) => ({ loaded: inspector.has(p.key) }))
}
