import * as ort from 'onnxruntime-node'
import { buildResnet18Inference } from '../models/resnet'
import { readSafetensorsWithMetadata, writeSafetensors } from '../models/safetensors'
import { createSession, type ProviderRequest } from '../infer/sessions'
import type { ExecutionProviderName } from '../infer/sessions'
import type { TensorMap } from '../tensor'
import { createRng } from '../train/rng'
import { ANOMALY_OUTPUTS, attachAnomalyHead, buildAnomalyHead, pruneToOutputs } from './anomaly-graph'
import { coresetFirstIndex, coresetMatrix, coresetSize, greedyKCenter, type CoresetOptions } from './coreset'
import { OnnxGraph } from '../onnx/graph'
import type { MemoryBank } from './knn'
import { patchEmbeddings, project, randomProjection } from './patch-features'
import { leaveOwnOutScores } from './leave-own-out'

/**
 * PatchCore fitting and scoring on top of the ResNet18 trunk (Roth et al., "Towards Total
 * Recall in Industrial Anomaly Detection", CVPR 2022): embed every patch of every good
 * image (layer2 + layer3, patch-features.ts), keep a greedy coreset of them as the memory
 * bank (coreset.ts), and bake backbone + head + bank into one ONNX model
 * (anomaly-graph.ts) whose outputs are the image score, patch scores and anomaly map.
 *
 * Bounded for thousands of good images: at most `maxPatches` patch embeddings are kept
 * for the coreset (a seeded, evenly spread subset of patches per image beyond that), so
 * memory is maxPatches × D floats and coreset time maxPatches × bank size × 128.
 */

/** How far a fit is: phase, done of total. */
export interface PatchCoreProgress {
  phase: 'features' | 'coreset' | 'graph' | 'calibration'
  done: number
  total: number
}

export interface PatchCoreOptions {
  /** Network input side S (images are preprocessed to [3, S, S]). */
  size: number
  /** Fraction of patch embeddings kept in the memory bank (PatchCore: 0.01–0.25). */
  coresetFraction: number
  /** Random projection of the embeddings to this dimension before the bank; 0 = keep all. */
  embeddingDim?: number
  /** Dimension of the projection the coreset's distances use (PatchCore: 128). */
  coresetProjectionDim?: number
  /** Most patch embeddings fed to the coreset (memory and time bound). */
  maxPatches?: number
  seed?: number
  /** Images per feature-extraction run. */
  batch?: number
  /** Anomaly map smoothing, in input pixels (PatchCore: 4). */
  sigma?: number
  provider?: ProviderRequest
  /**
   * Also score every image against the bank without its own patches (leave-own-out.ts):
   * the calibration scores when all good images build the bank.
   */
  leaveOwnOut?: boolean
  /** Called after each batch of images is embedded. */
  onProgress?: (p: PatchCoreProgress) => void
}

export const PATCHCORE_DEFAULTS = { coresetFraction: 0.1, coresetProjectionDim: 128, maxPatches: 200_000, batch: 8, sigma: 4, embeddingDim: 0 } as const

/**
 * Where the images come from: `load(i)` returns [3, S, S] float32, ImageNet-normalised,
 * or null for an image to skip (e.g. one that does not decode).
 */
export interface ImageTensors {
  count: number
  load(index: number): Promise<Float32Array | null>
}

export interface PatchCoreModel {
  /** The whole anomaly model (backbone + head + bank); input 'input' [N, 3, S, S]. */
  onnx: Uint8Array
  bank: MemoryBank
  /** [featureDim, bank.dim] when embeddings were projected. */
  projection?: Float32Array
  featureDim: number
  grid: { height: number; width: number }
  stats: { images: number; patchesSeen: number; patchesUsed: number; bankSize: number; featureSeconds: number; coresetSeconds: number; graphSeconds: number; provider: ExecutionProviderName; calibrationSeconds?: number }
  /** With `leaveOwnOut`: each image's score without its own bank rows (NaN: did not load), by image index. */
  ownOutScores?: Float32Array
}

export class AnomalyFitError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'AnomalyFitError'
  }
}

/** Width multiplier and class count of torchvision-named ResNet18 weights. */
export function resnetShapeOf(weights: TensorMap): { width: number; numClasses: number } {
  const conv1 = weights.get('conv1.weight')
  const fc = weights.get('fc.weight')
  if (!conv1 || !fc) throw new AnomalyFitError('The backbone weights lack conv1.weight or fc.weight; load a torchvision/timm ResNet18.')
  return { width: conv1.shape[0]! / 64, numClasses: fc.shape[0]! }
}

/** The backbone up to 'layer2' and 'layer3' (layer4 and fc pruned away), batch dynamic. */
export function buildFeatureExtractor(weights: TensorMap, size: number): Uint8Array {
  const { width, numClasses } = resnetShapeOf(weights)
  const full = buildResnet18Inference({ numClasses, width, height: size, batch: 'dynamic', weights, outputs: { layer2: true, layer3: true } })
  return pruneToOutputs(full, ['layer2', 'layer3'])
}

/** Fit a PatchCore memory bank from good images and build the anomaly model. */
export async function fitPatchCore(weights: TensorMap, images: ImageTensors, opts: PatchCoreOptions): Promise<PatchCoreModel> {
  if (images.count < 1) throw new AnomalyFitError('No good images to learn from; label some images as good and train again.')
  const seed = opts.seed ?? 0
  const batch = opts.batch ?? PATCHCORE_DEFAULTS.batch
  const maxPatches = opts.maxPatches ?? PATCHCORE_DEFAULTS.maxPatches
  const S = opts.size
  const backbone = buildFeatureExtractor(weights, S)
  const t0 = performance.now()
  const { session, provider } = await createSession(backbone, { provider: opts.provider ?? 'cpu' })
  let rows: Float32Array | undefined // [patchesUsed, D]
  let rowImage: Int32Array | undefined // [patchesUsed]: the image each row came from
  let used = 0
  let seen = 0
  let featureDim = 0
  let grid = { height: 0, width: 0 }
  let projection: Float32Array | undefined
  let perImage = 0
  let fitted = 0
  const rng = createRng(seed ^ 0x9a7c)
  try {
    for (let start = 0; start < images.count; start += batch) {
      const loaded: Float32Array[] = []
      const loadedIndex: number[] = []
      for (let i = start; i < Math.min(start + batch, images.count); i++) {
        const t = await images.load(i)
        if (t) {
          loaded.push(t)
          loadedIndex.push(i)
        }
      }
      const n = loaded.length
      if (n === 0) continue
      fitted += n
      const input = new Float32Array(n * 3 * S * S) // [n, 3, S, S]
      loaded.forEach((t, i) => input.set(t, i * 3 * S * S))
      const out = await session.run({ input: new ort.Tensor('float32', input, [n, 3, S, S]) })
      const l2 = out.layer2!
      const l3 = out.layer3!
      const [, c2, h2, w2] = l2.dims as number[]
      const [, c3, h3, w3] = l3.dims as number[]
      const emb = patchEmbeddings(
        { data: l2.data as Float32Array, n, channels: c2!, height: h2!, width: w2! },
        { data: l3.data as Float32Array, n, channels: c3!, height: h3!, width: w3! }
      )
      let data = emb.data // [n·h·w, D]
      let dim = emb.dim
      if (!rows) {
        grid = { height: emb.height, width: emb.width }
        featureDim = emb.dim
        const ed = opts.embeddingDim ?? 0
        if (ed > 0 && ed < featureDim) projection = randomProjection(featureDim, ed, seed ^ 0xe3b)
        perImage = Math.min(emb.height * emb.width, Math.max(1, Math.floor(maxPatches / images.count)))
        rows = new Float32Array(perImage * images.count * (projection ? ed : featureDim))
        rowImage = new Int32Array(perImage * images.count)
      }
      if (projection) {
        data = project(data, n * emb.height * emb.width, featureDim, projection, opts.embeddingDim!)
        dim = opts.embeddingDim!
      }
      const hw = emb.height * emb.width
      for (let i = 0; i < n; i++) {
        // All patches, or an evenly random subset when the image count would exceed maxPatches.
        const pick = perImage === hw ? null : sampleWithoutReplacement(hw, perImage, rng)
        for (let p = 0; p < perImage; p++) {
          const src = (i * hw + (pick ? pick[p]! : p)) * dim
          rows!.set(data.subarray(src, src + dim), used * dim)
          rowImage![used] = loadedIndex[i]!
          used++
        }
      }
      seen += n * hw
      opts.onProgress?.({ phase: 'features', done: Math.min(start + batch, images.count), total: images.count })
    }
  } finally {
    await session.release()
  }
  if (!rows || used === 0) throw new AnomalyFitError('None of the good images could be read; check the image files and train again.')
  const dim = projection ? opts.embeddingDim! : featureDim
  const t1 = performance.now()
  opts.onProgress?.({ phase: 'coreset', done: 0, total: 1 })
  const chosen = await coresetOnnx(rows!, used, dim, { fraction: opts.coresetFraction, projectionDim: opts.coresetProjectionDim ?? PATCHCORE_DEFAULTS.coresetProjectionDim, seed })
  const bankData = new Float32Array(chosen.length * dim) // [M, D]
  for (let i = 0; i < chosen.length; i++) bankData.set(rows!.subarray(chosen[i]! * dim, (chosen[i]! + 1) * dim), i * dim)
  const bank: MemoryBank = { data: bankData, size: chosen.length, dim }
  const t2 = performance.now()
  opts.onProgress?.({ phase: 'graph', done: 0, total: 1 })
  const onnx = buildAnomalyModel(backbone, { bank, projection, featureDim, grid, size: S, sigma: opts.sigma, weights })
  const t3 = performance.now()
  let ownOutScores: Float32Array | undefined
  if (opts.leaveOwnOut) {
    opts.onProgress?.({ phase: 'calibration', done: 0, total: images.count })
    const bankImage = Int32Array.from(chosen, (r) => rowImage![r]!)
    ownOutScores = await leaveOwnOutScores({ extractor: backbone, bank, bankImage, ...(projection ? { projection } : {}), featureDim, size: S, count: images.count, load: (i) => images.load(i), batch, provider: opts.provider ?? 'cpu' })
  }
  const t4 = performance.now()
  return {
    onnx,
    bank,
    ...(projection ? { projection } : {}),
    featureDim,
    grid,
    stats: { images: fitted, patchesSeen: seen, patchesUsed: used, bankSize: bank.size, featureSeconds: (t1 - t0) / 1000, coresetSeconds: (t2 - t1) / 1000, graphSeconds: (t3 - t2) / 1000, provider, ...(opts.leaveOwnOut ? { calibrationSeconds: (t4 - t3) / 1000 } : {}) },
    ...(ownOutScores ? { ownOutScores } : {})
  }
}

/** Backbone ONNX + bank → the one anomaly model. */
export function buildAnomalyModel(
  backbone: Uint8Array,
  m: { bank: MemoryBank; projection?: Float32Array; featureDim: number; grid: { height: number; width: number }; size: number; sigma?: number; weights: TensorMap }
): Uint8Array {
  const { width } = resnetShapeOf(m.weights)
  const base = Math.max(1, Math.round(64 * width))
  const head = buildAnomalyHead({
    layer2Channels: base * 2,
    layer3Channels: base * 4,
    gridHeight: m.grid.height,
    gridWidth: m.grid.width,
    inputHeight: m.size,
    inputWidth: m.size,
    ...(m.projection ? { projection: m.projection } : {}),
    bank: m.bank,
    sigma: m.sigma ?? PATCHCORE_DEFAULTS.sigma
  })
  return attachAnomalyHead(backbone, head, { 'defect-studio.kind': 'anomaly', 'defect-studio.bank-size': String(m.bank.size) })
}

/** k distinct indices from [0, n), seeded (partial Fisher–Yates). */
function sampleWithoutReplacement(n: number, k: number, rng: { int(n: number): number }): Int32Array {
  const a = Int32Array.from({ length: n }, (_, i) => i)
  for (let i = 0; i < k; i++) {
    const j = i + rng.int(n - i)
    const t = a[i]!
    a[i] = a[j]!
    a[j] = t
  }
  return a.subarray(0, k)
}

/** What the anomaly model says about one image. */
export interface AnomalyResult {
  score: number
  /** [h, w] patch scores (distance to the nearest good patch). */
  patchScores: Float32Array
  /** [S, S] smoothed anomaly map at the network input size. */
  map: Float32Array
}

/** A loaded anomaly model: scores batches of [3, S, S] tensors. */
export interface AnomalyScorer {
  provider: ExecutionProviderName
  reason: string
  score(tensors: Float32Array[]): Promise<AnomalyResult[]>
  release(): Promise<void>
}

/** Open an anomaly model's ONNX bytes for scoring. */
export async function createAnomalyScorer(onnx: Uint8Array, size: number, opts: { provider?: ProviderRequest; threads?: number; spinning?: boolean } = {}): Promise<AnomalyScorer> {
  const { session, provider, reason } = await createSession(onnx, opts)
  const S = size
  return {
    provider,
    reason,
    async score(tensors) {
      const n = tensors.length
      if (n === 0) return []
      const input = new Float32Array(n * 3 * S * S) // [n, 3, S, S]
      tensors.forEach((t, i) => input.set(t, i * 3 * S * S))
      const out = await session.run({ input: new ort.Tensor('float32', input, [n, 3, S, S]) })
      const scores = out[ANOMALY_OUTPUTS.score]!.data as Float32Array // [n]
      const patch = out[ANOMALY_OUTPUTS.patchScores]! // [n, h, w]
      const maps = out[ANOMALY_OUTPUTS.anomalyMap]!.data as Float32Array // [n, 1, S, S]
      const hw = (patch.dims[1] as number) * (patch.dims[2] as number)
      const pd = patch.data as Float32Array
      return Array.from({ length: n }, (_, i) => ({
        score: scores[i]!,
        patchScores: pd.slice(i * hw, (i + 1) * hw),
        map: maps.slice(i * S * S, (i + 1) * S * S)
      }))
    },
    release: () => session.release()
  }
}

/** The memory bank (and projection) as safetensors, kept in the model row's weights column. */
export function serializeBank(m: { bank: MemoryBank; projection?: Float32Array; featureDim: number; grid: { height: number; width: number } }): Uint8Array {
  const tensors: TensorMap = new Map([['memory_bank', { shape: [m.bank.size, m.bank.dim], data: m.bank.data }]])
  if (m.projection) tensors.set('projection', { shape: [m.featureDim, m.bank.dim], data: m.projection })
  return writeSafetensors(tensors, { format: 'defect-studio-patchcore', featureDim: String(m.featureDim), gridHeight: String(m.grid.height), gridWidth: String(m.grid.width) })
}

/** Inverse of serializeBank. */
export function deserializeBank(bytes: Uint8Array): { bank: MemoryBank; projection?: Float32Array; featureDim: number; grid: { height: number; width: number } } {
  const { tensors, metadata } = readSafetensorsWithMetadata(bytes)
  const b = tensors.get('memory_bank')
  if (!b || metadata.format !== 'defect-studio-patchcore') throw new AnomalyFitError('This blob is not a PatchCore memory bank; train the anomaly model again.')
  const p = tensors.get('projection')
  return {
    bank: { data: b.data, size: b.shape[0]!, dim: b.shape[1]! },
    ...(p ? { projection: p.data } : {}),
    featureDim: Number(metadata.featureDim),
    grid: { height: Number(metadata.gridHeight), width: Number(metadata.gridWidth) }
  }
}

/**
 * greedyCoreset with the projection done by onnxruntime's MatMul (a JS loop would spend
 * longer on [count, D] × [D, 128] than on the greedy search itself). Same picks.
 */
export async function coresetOnnx(rows: Float32Array, count: number, dim: number, opts: CoresetOptions): Promise<Int32Array> {
  const k = coresetSize(count, opts.fraction)
  if (k === count) return Int32Array.from({ length: count }, (_, i) => i)
  const { matrix, outDim } = coresetMatrix(rows, count, dim, opts)
  const g = new OnnxGraph('coreset_projection')
  const x = g.input('x', 'float32', ['N', dim])
  g.output(g.op1('MatMul', [x, g.initializer('w', { dtype: 'float32', shape: [dim, outDim], data: matrix })]), 'z', 'float32', ['N', outDim])
  const session = await ort.InferenceSession.create(g.toBytes())
  const z = new Float32Array(count * outDim) // [count, outDim]
  try {
    const chunk = 32_768
    for (let start = 0; start < count; start += chunk) {
      const n = Math.min(chunk, count - start)
      const out = await session.run({ x: new ort.Tensor('float32', rows.subarray(start * dim, (start + n) * dim), [n, dim]) })
      z.set(out.z!.data as Float32Array, start * outDim)
    }
  } finally {
    await session.release()
  }
  return greedyKCenter(z, count, outDim, k, coresetFirstIndex(count, opts.seed ?? 0))
}
