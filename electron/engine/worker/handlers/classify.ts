import { runClassifierBatch } from '../../infer/classifier-batch'
import { createSession, type ExecutionProviderName, type InferenceSession } from '../../infer/sessions'
import { defineHandler, withTransfer } from '../protocol'
import { ModelNotLoadedError } from '../errors'

/**
 * Classifier ONNX models (weights baked in) run as-is in the worker: model suggestions and
 * the misclassified gallery use the stored version's exact graph, weights file or not.
 * Sessions are kept under a key (e.g. "suggest:3") until unloaded; a crash loses them.
 */
const sessions = new Map<string, InferenceSession>()

export const classifyHandlers = {
  'classify:load': defineHandler<{ key: string; onnx: Uint8Array; threads?: number }, { key: string; provider: ExecutionProviderName; providerReason: string }>(async (p) => {
    const { session, provider, reason } = await createSession(p.onnx, { threads: p.threads })
    const old = sessions.get(p.key)
    sessions.set(p.key, session)
    if (old) await old.release()
    return { key: p.key, provider, providerReason: reason }
  }),

  /** input: [n, 3, size, size] float32 (moved, not copied) -> probabilities [n, classes]. */
  'classify:run': defineHandler<{ key: string; input: Float32Array; n: number; size: number }, { probabilities: Float32Array; classes: number }>(async (p) => {
    const session = sessions.get(p.key)
    if (!session) throw new ModelNotLoadedError('classifier', p.key, 'classify:load')
    const out = await runClassifierBatch(session, p.input, p.n, p.size)
    return withTransfer(out, [out.probabilities.buffer as ArrayBuffer])
  }),

  'classify:unload': defineHandler<{ key: string }, { unloaded: boolean }>(async (p) => {
    const old = sessions.get(p.key)
    sessions.delete(p.key)
    if (old) await old.release()
    return { unloaded: old !== undefined }
  })
}
