import type { Fit, Roi } from '../../../imaging/preprocess'
import { Predictor, type ImagePrediction } from '../../infer/predictor'
import type { ProviderRequest, ExecutionProviderName } from '../../infer/sessions'
import { loadResnetWeights, parseResnetWeights } from '../../models/weights'
import { defineHandler, withTransfer } from '../protocol'
import { ModelNotLoadedError } from '../errors'

/**
 * Inference in the worker. A model is loaded once under a key (e.g. "model:7" or a
 * weights file path) and kept until unloaded; predictions name that key.
 */

const predictors = new Map<string, Predictor>()

export interface LoadModelPayload {
  key: string
  /** A ResNet18 .safetensors file, or its bytes. */
  weightsFile?: string
  weightsBytes?: Uint8Array
  size: number
  heatmap?: boolean
  provider?: ProviderRequest
  threads?: number
}

export interface LoadedModel {
  key: string
  numClasses: number
  width: number
  size: number
  provider: ExecutionProviderName
  providerReason: string
}

function predictorFor(key: string): Predictor {
  const p = predictors.get(key)
  if (!p) throw new ModelNotLoadedError('model', key, 'predict:load')
  return p
}

export const predictHandlers = {
  /** Build and open the inference session for a weights file (replaces an earlier one under the same key). */
  'predict:load': defineHandler<LoadModelPayload, LoadedModel>(async (p) => {
    if (!p.weightsFile && !p.weightsBytes) throw new Error('predict:load needs weightsFile or weightsBytes.')
    const { weights, numClasses, width, testTimeFlips } = p.weightsBytes ? parseResnetWeights(p.weightsBytes, p.key) : await loadResnetWeights(p.weightsFile!)
    const predictor = await Predictor.create({ weights, numClasses, width, size: p.size, heatmap: p.heatmap, testTimeFlips, provider: p.provider, threads: p.threads })
    const old = predictors.get(p.key)
    predictors.set(p.key, predictor)
    if (old) await old.release()
    return { key: p.key, numClasses, width, size: p.size, provider: predictor.provider, providerReason: predictor.providerReason }
  }),

  /** Preprocess and classify images (paths or encoded bytes); heatmaps on request. */
  'predict:images': defineHandler<
    { key: string; images: Array<string | Uint8Array>; fit: Fit; roi?: Roi; heatmap?: boolean; batchSize?: number },
    { results: ImagePrediction[]; provider: ExecutionProviderName; providerReason: string }
  >(async (p) => {
    const predictor = predictorFor(p.key)
    const images = p.images.map((i) => (typeof i === 'string' ? i : Buffer.from(i.buffer, i.byteOffset, i.byteLength)))
    const results = await predictor.predictImages(images, { fit: p.fit, roi: p.roi, heatmap: p.heatmap, batchSize: p.batchSize })
    // The provider can change mid-run (a failing GPU is replaced by CPU): report it each time.
    return withTransfer(
      { results, provider: predictor.provider, providerReason: predictor.providerReason },
      results.flatMap((r) => (r.heatmap ? [r.heatmap.data.buffer as ArrayBuffer] : []))
    )
  }),

  /** Classify an already preprocessed batch. input: [n, 3, S, S] float32 (moved, not copied). */
  'predict:tensor': defineHandler<{ key: string; input: Float32Array; n: number }, { logits: Float32Array; probabilities: Float32Array }>(async (p) => {
    const out = await predictorFor(p.key).runBatch(p.input, p.n)
    // Copies own plain ArrayBuffers (ORT's output buffers may not be transferable).
    const logits = out.logits.slice()
    const probabilities = out.probabilities.slice()
    return withTransfer({ logits, probabilities }, [logits.buffer, probabilities.buffer])
  }),

  'predict:unload': defineHandler<{ key: string }, { unloaded: boolean }>(async (p) => {
    const old = predictors.get(p.key)
    predictors.delete(p.key)
    if (old) await old.release()
    return { unloaded: old !== undefined }
  })
}
