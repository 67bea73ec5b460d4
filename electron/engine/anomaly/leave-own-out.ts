import * as ort from 'onnxruntime-node'
import { OnnxGraph } from '../onnx/graph'
import { createSession, type ProviderRequest } from '../infer/sessions'
import { rowNorms, type MemoryBank } from './knn'
import { patchEmbeddings, project } from './patch-features'

/**
 * Calibration without a held-out set: every good image builds the memory bank, and each
 * one is then scored against the bank WITHOUT the bank rows that came from its own patches
 * (leave-own-patches-out). An image's own patches would match themselves at distance 0; with
 * them removed its score is what an unseen good image of the same kind would get, so the
 * threshold for a false-reject rate can be read from these scores while the bank keeps all
 * the good images (issue 14 item 5: holding 22 % out cost image AUROC).
 *
 * The image score is the same as the anomaly model's (max over patches of the distance to
 * the nearest bank row, anomaly-graph.ts); the search runs as MatMul + ReduceMin with a
 * per-image penalty input that rules the image's own rows out.
 */

/** 'queries' [Q, D], 'penalty' [M] (0, or a huge number for rows to skip) → 'squared' [Q]. */
export function buildMaskedKnnModel(bank: MemoryBank): Uint8Array {
  const g = new OnnxGraph('patchcore_knn_leave_own_out')
  const q = g.input('queries', 'float32', ['Q', bank.dim])
  const penalty = g.input('penalty', 'float32', [bank.size])
  const bankT = new Float32Array(bank.dim * bank.size) // [D, M]
  for (let m = 0; m < bank.size; m++) for (let j = 0; j < bank.dim; j++) bankT[j * bank.size + m] = bank.data[m * bank.dim + j]!
  const bt = g.initializer('bank.transposed', { dtype: 'float32', shape: [bank.dim, bank.size], data: bankT })
  const bn = g.initializer('bank.norms', { dtype: 'float32', shape: [bank.size], data: rowNorms(bank.data, bank.size, bank.dim) })
  const dot = g.op1('MatMul', [q, bt]) // [Q, M]
  const partial = g.op1('Add', [g.op1('Sub', [bn, g.op1('Mul', [dot, g.f32(2)])]), penalty]) // [Q, M]
  const min = g.op1('ReduceMin', [partial], { axes: [1], keepdims: 0 }) // [Q]
  const qn = g.op1('ReduceSumSquare', [q], { axes: [1], keepdims: 0 }) // [Q]
  g.output(g.op1('Relu', [g.op1('Add', [min, qn])]), 'squared', 'float32', ['Q'])
  return g.toBytes({ doc: 'PatchCore nearest-neighbour search, own rows masked out' })
}

export interface LeaveOwnOutInput {
  /** The feature extractor (outputs layer2, layer3), as fitPatchCore builds it. */
  extractor: Uint8Array
  bank: MemoryBank
  /** For each bank row, the index of the image it came from. */
  bankImage: Int32Array
  projection?: Float32Array
  featureDim: number
  size: number
  /** The images the bank was built from, by the same index. */
  count: number
  load(index: number): Promise<Float32Array | null>
  batch?: number
  provider?: ProviderRequest
}

/** Score of each image against the bank without its own rows (NaN for an image that did not load). */
export async function leaveOwnOutScores(input: LeaveOwnOutInput): Promise<Float32Array> {
  const S = input.size
  const scores = new Float32Array(input.count).fill(NaN)
  const extractor = await createSession(input.extractor, { provider: input.provider ?? 'cpu' })
  const knn = await createSession(buildMaskedKnnModel(input.bank), { provider: input.provider ?? 'cpu' })
  const batch = input.batch ?? 8
  const penalty = new Float32Array(input.bank.size)
  try {
    for (let start = 0; start < input.count; start += batch) {
      const loaded: Array<{ index: number; tensor: Float32Array }> = []
      for (let i = start; i < Math.min(start + batch, input.count); i++) {
        const t = await input.load(i)
        if (t) loaded.push({ index: i, tensor: t })
      }
      if (loaded.length === 0) continue
      const n = loaded.length
      const images = new Float32Array(n * 3 * S * S) // [n, 3, S, S]
      loaded.forEach((l, k) => images.set(l.tensor, k * 3 * S * S))
      const out = await extractor.session.run({ input: new ort.Tensor('float32', images, [n, 3, S, S]) })
      const l2 = out.layer2!
      const l3 = out.layer3!
      const [, c2, h2, w2] = l2.dims as number[]
      const [, c3, h3, w3] = l3.dims as number[]
      const emb = patchEmbeddings({ data: l2.data as Float32Array, n, channels: c2!, height: h2!, width: w2! }, { data: l3.data as Float32Array, n, channels: c3!, height: h3!, width: w3! })
      const hw = emb.height * emb.width
      const dim = input.bank.dim
      const rows = input.projection ? project(emb.data, n * hw, input.featureDim, input.projection, dim) : emb.data // [n·hw, dim]
      for (let k = 0; k < n; k++) {
        const own = loaded[k]!.index
        for (let m = 0; m < penalty.length; m++) penalty[m] = input.bankImage[m] === own ? 1e30 : 0
        const res = await knn.session.run({
          queries: new ort.Tensor('float32', rows.subarray(k * hw * dim, (k + 1) * hw * dim), [hw, dim]),
          penalty: new ort.Tensor('float32', penalty, [penalty.length])
        })
        const sq = res.squared!.data as Float32Array
        let worst = 0
        for (let p = 0; p < hw; p++) worst = Math.max(worst, sq[p]!)
        scores[own] = Math.sqrt(worst)
      }
    }
  } finally {
    await extractor.session.release()
    await knn.session.release()
  }
  return scores
}
