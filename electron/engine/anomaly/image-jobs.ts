import { preprocessImage, type Fit, type Roi } from '../../imaging/preprocess'
import type { ProviderRequest } from '../infer/sessions'
import type { TensorMap } from '../tensor'
import { createAnomalyScorer, fitPatchCore, serializeBank, type PatchCoreModel, type PatchCoreOptions } from './patchcore'

/**
 * Fitting and scoring from encoded images (file paths or bytes): what the anomaly service
 * asks of the engine, in-process (CLI, tests) or in the engine worker (the app) alike.
 * Images that fail to decode are skipped and reported, never fatal.
 */

export type ImageInput = string | Uint8Array

export interface SkippedImage {
  index: number
  reason: string
}

export interface FitFromImagesRequest {
  images: ImageInput[]
  size: number
  fit: Fit
  roi?: Roi
  weights: TensorMap
  options: Omit<PatchCoreOptions, 'size' | 'onProgress'>
}

export interface FitFromImagesResult {
  onnx: Uint8Array
  /** serializeBank(): memory bank (+ projection) as safetensors. */
  bank: Uint8Array
  stats: PatchCoreModel['stats']
  skipped: SkippedImage[]
  /** With options.leaveOwnOut: each image's score against the bank without its own patches (null: skipped). */
  ownOutScores?: Array<number | null>
}

function asInput(i: ImageInput): string | Buffer {
  return typeof i === 'string' ? i : Buffer.from(i.buffer, i.byteOffset, i.byteLength)
}

/** Decode + preprocess each image once, keeping the tensors of the ones that decode. */
async function preprocessAll(images: ImageInput[], size: number, fit: Fit, roi?: Roi): Promise<{ tensors: Float32Array[]; kept: number[]; skipped: SkippedImage[] }> {
  const tensors: Float32Array[] = []
  const kept: number[] = []
  const skipped: SkippedImage[] = []
  for (let i = 0; i < images.length; i++) {
    try {
      tensors.push((await preprocessImage(asInput(images[i]!), { size, fit, ...(roi ? { roi } : {}) })).tensor)
      kept.push(i)
    } catch (error) {
      skipped.push({ index: i, reason: (error as Error).message })
    }
  }
  return { tensors, kept, skipped }
}

/** Fit PatchCore on good images. */
export async function fitFromImages(req: FitFromImagesRequest, onProgress?: PatchCoreOptions['onProgress']): Promise<FitFromImagesResult> {
  // Preprocessed as the fit reads them, so memory holds one batch of tensors, not the set.
  const skipped: SkippedImage[] = []
  const model = await fitPatchCore(
    req.weights,
    {
      count: req.images.length,
      load: async (i) => {
        try {
          return (await preprocessImage(asInput(req.images[i]!), { size: req.size, fit: req.fit, ...(req.roi ? { roi: req.roi } : {}) })).tensor
        } catch (error) {
          skipped.push({ index: i, reason: (error as Error).message })
          return null
        }
      }
    },
    { ...req.options, size: req.size, ...(onProgress ? { onProgress } : {}) }
  )
  // A skipped image is reported once, whichever pass failed to read it.
  const unique = [...new Map(skipped.map((s) => [s.index, s])).values()]
  return {
    onnx: model.onnx,
    bank: serializeBank(model),
    stats: model.stats,
    skipped: unique,
    ...(model.ownOutScores ? { ownOutScores: Array.from(model.ownOutScores, (v) => (Number.isNaN(v) ? null : v)) } : {})
  }
}

export interface ScoreFromImagesRequest {
  onnx: Uint8Array
  images: ImageInput[]
  size: number
  fit: Fit
  roi?: Roi
  /** Return the [S, S] anomaly maps too. */
  maps?: boolean
  batch?: number
  provider?: ProviderRequest
}

export interface ImageScore {
  index: number
  score: number
  /** [S, S] at the network input (only with `maps`). */
  map?: Float32Array
}

/** Score images with an anomaly model's ONNX bytes. */
export interface ScoreFromImagesResult {
  results: ImageScore[]
  skipped: SkippedImage[]
  provider: string
}

export async function scoreFromImages(req: ScoreFromImagesRequest): Promise<ScoreFromImagesResult> {
  const scorer = await createAnomalyScorer(req.onnx, req.size, { provider: req.provider ?? 'cpu' })
  const results: ImageScore[] = []
  const skipped: SkippedImage[] = []
  const batch = req.batch ?? 8
  try {
    for (let start = 0; start < req.images.length; start += batch) {
      const part = await preprocessAll(req.images.slice(start, start + batch), req.size, req.fit, req.roi)
      skipped.push(...part.skipped.map((s) => ({ ...s, index: s.index + start })))
      const out = await scorer.score(part.tensors)
      out.forEach((r, i) => results.push({ index: part.kept[i]! + start, score: r.score, ...(req.maps ? { map: r.map } : {}) }))
    }
  } finally {
    await scorer.release()
  }
  return { results, skipped, provider: scorer.provider }
}
