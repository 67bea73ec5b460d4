import * as ort from 'onnxruntime-node'
import type { TensorMap } from '../tensor'
import { buildResnet18Inference, inputChannelsOf } from '../models/resnet'
import { createSession, type ProviderRequest } from '../infer/sessions'
import type { Fit } from '../../imaging/preprocess'
import { PreprocessedSet, type EvalSample } from './evaluate'

/**
 * Quick retrain (issue 5 item 5): the backbone is fixed, so each image's pooled layer4
 * feature (the input of `fc`) is computed once and cached by (image sha256, backbone key);
 * only a linear head is trained, on those vectors, in plain JS. With a warm cache that is
 * seconds for 1,000 images. The backbone is the project's (ImageNet, imported or random),
 * never a fine-tuned model (docs/decisions.md, Training runs are reproducible).
 */

/** Where cached embeddings live (the project's embedding_cache table in practice). */
export interface EmbeddingStore {
  get(sha256s: string[], backboneKey: string): Map<string, Float32Array>
  put(entries: Array<{ sha256: string; vector: Float32Array }>, backboneKey: string): void
}

export interface Backbone {
  /** ResNet18 weights, fc included (any class count: it is replaced). */
  weights: TensorMap
  width: number
  /** Identifies the weights (their sha256 or 'random:<seed>'). */
  id: string
}

/** The cache key: the same image gives a different embedding at another size or fit. */
export function backboneKey(backbone: Backbone, size: number, fit: Fit): string {
  return `resnet18:w${backbone.width}:${backbone.id}:s${size}:${fit}`
}

/** Pooled layer4 features [N, F] for the samples (F = 512·width), cached ones reused. */
export async function computeEmbeddings(
  samples: EvalSample[],
  backbone: Backbone,
  opts: { size: number; fit: Fit; provider?: ProviderRequest; threads?: number; store?: EmbeddingStore; chunk?: number }
): Promise<{ features: Float32Array; dims: number; computed: number; cached: number }> {
  const key = backboneKey(backbone, opts.size, opts.fit)
  const cached = opts.store?.get(
    samples.map((s) => s.key),
    key
  ) ?? new Map<string, Float32Array>()
  const missing = samples.map((s, i) => ({ s, i })).filter(({ s }) => !cached.has(s.key))
  const fcRows = backbone.weights.get('fc.weight')!.shape[0]!
  const fresh = new Map<string, Float32Array>()
  if (missing.length > 0) {
    const model = buildResnet18Inference({ numClasses: fcRows, width: backbone.width, height: opts.size, batch: 'dynamic', weights: backbone.weights, outputs: { layer4: true } })
    const { session } = await createSession(model, { provider: opts.provider ?? 'auto', threads: opts.threads })
    try {
      const channels = inputChannelsOf(backbone.weights)
      const set = new PreprocessedSet(
        missing.map((m) => m.s),
        opts.size,
        opts.fit,
        channels,
        0 // each tensor is used once: keep none
      )
      const chunk = opts.chunk ?? 32
      const plane = channels * opts.size * opts.size
      for (let start = 0; start < missing.length; start += chunk) {
        const count = Math.min(chunk, missing.length - start)
        // x: [count, C, S, S] float32, ImageNet-normalised (C 3) or grey (C 1)
        const x = new Float32Array(count * plane)
        const parts = await Promise.all(Array.from({ length: count }, (_, j) => set.tensor(start + j)))
        parts.forEach((t, j) => x.set(t, j * plane))
        const out = await session.run({ input: new ort.Tensor('float32', x, [count, channels, opts.size, opts.size]) })
        // layer4: [count, F, h, w] -> mean over h·w (GlobalAveragePool, as before fc)
        const l4 = out.layer4!
        const [, f, h, w] = l4.dims as number[]
        const hw = h! * w!
        const data = l4.data as Float32Array
        for (let j = 0; j < count; j++) {
          const v = new Float32Array(f!)
          for (let k = 0; k < f!; k++) {
            let sum = 0
            const base = (j * f! + k) * hw
            for (let p = 0; p < hw; p++) sum += data[base + p]!
            v[k] = sum / hw
          }
          fresh.set(missing[start + j]!.s.key, v)
        }
      }
    } finally {
      await session.release()
    }
    opts.store?.put(
      [...fresh].map(([sha256, vector]) => ({ sha256, vector })),
      key
    )
  }
  const dims = (cached.values().next().value ?? fresh.values().next().value)?.length ?? 0
  const features = new Float32Array(samples.length * dims)
  samples.forEach((s, i) => features.set((cached.get(s.key) ?? fresh.get(s.key))!, i * dims))
  return { features, dims, computed: fresh.size, cached: samples.length - fresh.size }
}

export interface HeadTrainingOptions {
  iterations: number
  lr: number
  weightDecay: number
  classWeights: Float32Array // [C]
}

export const DEFAULT_HEAD_TRAINING: Omit<HeadTrainingOptions, 'classWeights'> = { iterations: 300, lr: 0.05, weightDecay: 1e-4 }

/**
 * Multinomial logistic regression, full batch, Adam, on standardised features (so one
 * learning rate suits any backbone); the standardisation is folded back into the weights,
 * so the head applies to raw pooled features exactly as torchvision's fc. Deterministic:
 * zero initialisation and full batches, no random numbers at all.
 */
export function trainLinearHead(
  features: Float32Array, // [N, F]
  labels: ArrayLike<number>, // [N]
  numClasses: number,
  opts: HeadTrainingOptions
): { weight: Float32Array /* [C, F] */; bias: Float32Array /* [C] */; loss: number } {
  const n = labels.length
  const f = features.length / n
  const c = numClasses
  const mean = new Float64Array(f)
  const std = new Float64Array(f)
  for (let i = 0; i < n; i++) for (let k = 0; k < f; k++) mean[k]! += features[i * f + k]! / n
  for (let i = 0; i < n; i++) for (let k = 0; k < f; k++) std[k]! += (features[i * f + k]! - mean[k]!) ** 2 / n
  for (let k = 0; k < f; k++) std[k] = Math.sqrt(std[k]!) + 1e-6
  // z: [N, F] standardised features
  const z = new Float32Array(n * f)
  for (let i = 0; i < n; i++) for (let k = 0; k < f; k++) z[i * f + k] = (features[i * f + k]! - mean[k]!) / std[k]!
  const sw = new Float64Array(n)
  let swSum = 0
  for (let i = 0; i < n; i++) {
    sw[i] = opts.classWeights[labels[i]!]!
    swSum += sw[i]!
  }
  // Params packed: W [C, F] then b [C]; Adam state alongside.
  const size = c * f + c
  const p = new Float64Array(size)
  const m = new Float64Array(size)
  const v = new Float64Array(size)
  const g = new Float64Array(size)
  const logits = new Float64Array(c)
  const b1 = 0.9
  const b2 = 0.999
  let loss = 0
  for (let it = 1; it <= opts.iterations; it++) {
    g.fill(0)
    loss = 0
    for (let i = 0; i < n; i++) {
      const zi = i * f
      let max = -Infinity
      for (let k = 0; k < c; k++) {
        let s = p[c * f + k]!
        const wk = k * f
        for (let j = 0; j < f; j++) s += p[wk + j]! * z[zi + j]!
        logits[k] = s
        if (s > max) max = s
      }
      let sum = 0
      for (let k = 0; k < c; k++) sum += Math.exp(logits[k]! - max)
      const y = labels[i]!
      const wi = sw[i]! / swSum
      loss += wi * (Math.log(sum) + max - logits[y]!)
      for (let k = 0; k < c; k++) {
        const d = wi * (Math.exp(logits[k]! - max) / sum - (k === y ? 1 : 0))
        if (d === 0) continue
        const wk = k * f
        for (let j = 0; j < f; j++) g[wk + j]! += d * z[zi + j]!
        g[c * f + k]! += d
      }
    }
    for (let q = 0; q < c * f; q++) g[q]! += opts.weightDecay * p[q]!
    const bc1 = 1 - b1 ** it
    const bc2 = 1 - b2 ** it
    for (let q = 0; q < size; q++) {
      m[q] = b1 * m[q]! + (1 - b1) * g[q]!
      v[q] = b2 * v[q]! + (1 - b2) * g[q]! * g[q]!
      p[q]! -= (opts.lr * (m[q]! / bc1)) / (Math.sqrt(v[q]! / bc2) + 1e-8)
    }
  }
  // Fold the standardisation in: W' = W / std, b' = b − Σ W·mean/std.
  const weight = new Float32Array(c * f)
  const bias = new Float32Array(c)
  for (let k = 0; k < c; k++) {
    let b = p[c * f + k]!
    for (let j = 0; j < f; j++) {
      const wj = p[k * f + j]! / std[j]!
      weight[k * f + j] = wj
      b -= wj * mean[j]!
    }
    bias[k] = b
  }
  return { weight, bias, loss }
}

/** The backbone's weights with `fc` replaced by the trained head: a full ResNet18 for export. */
export function withHead(backbone: TensorMap, head: { weight: Float32Array; bias: Float32Array }, numClasses: number, dims: number): TensorMap {
  const out: TensorMap = new Map()
  for (const [k, t] of backbone) if (k !== 'fc.weight' && k !== 'fc.bias') out.set(k, t)
  out.set('fc.weight', { shape: [numClasses, dims], data: head.weight })
  out.set('fc.bias', { shape: [numClasses], data: head.bias })
  return out
}
