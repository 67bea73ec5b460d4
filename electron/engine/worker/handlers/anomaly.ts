import { fitFromImages, scoreFromImages, type FitFromImagesRequest, type FitFromImagesResult, type ScoreFromImagesRequest, type ScoreFromImagesResult } from '../../anomaly/image-jobs'
import type { PatchCoreProgress } from '../../anomaly/patchcore'
import { defineHandler, withTransfer } from '../protocol'

/**
 * Anomaly detection (PatchCore) in the engine worker, so a fit over thousands of good
 * images never blocks the main process. Payloads carry encoded images (paths or bytes);
 * the ONNX model and memory bank come back as transferred buffers.
 */
export const anomalyHandlers = {
  /** Fit a memory bank from good images; progress: { phase, done, total }. */
  'anomaly:fit': defineHandler<FitFromImagesRequest, FitFromImagesResult, PatchCoreProgress>(async (p, ctx) => {
    const fitted = await fitFromImages(p, (progress) => ctx.progress(progress))
    const result = { ...fitted, onnx: own(fitted.onnx), bank: own(fitted.bank) }
    return withTransfer(result, [result.onnx.buffer as ArrayBuffer, result.bank.buffer as ArrayBuffer])
  }),

  /** Score images with an anomaly model (scores, and maps on request). */
  'anomaly:score': defineHandler<ScoreFromImagesRequest, ScoreFromImagesResult>(async (p) => {
    const out = await scoreFromImages(p)
    return withTransfer(out, out.results.flatMap((r) => (r.map ? [r.map.buffer as ArrayBuffer] : [])))
  })
}

/**
 * A Uint8Array that owns its whole ArrayBuffer: small Node Buffers share a pooled
 * ArrayBuffer that must not be transferred (it would move the pool), so those are copied.
 */
function own(a: Uint8Array): Uint8Array {
  return a.byteOffset === 0 && a.byteLength === a.buffer.byteLength ? a : a.slice()
}
