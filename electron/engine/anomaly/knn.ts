/**
 * Nearest-neighbour distance from each query patch to a memory bank (PatchCore's patch
 * score). Two interchangeable back ends:
 *  - 'js': blocked squared distances ||q||² + ||b||² − 2 q·b in a tight Float32 loop (no
 *    session to create; the reference, and fine for small banks);
 *  - 'onnx': a MatMul + ReduceMin graph on onnxruntime (knn-graph.ts): ORT's SGEMM is far
 *    faster than scalar JS on CPU, and the same graph runs on a GPU provider.
 * bench/anomaly.ts measures both; anomaly models bake the 'onnx' form into their graph.
 */

/** A memory bank of patch embeddings: data [size, dim] float32. */
export interface MemoryBank {
  data: Float32Array
  size: number
  dim: number
}

/** Per query: squared distance to its nearest bank row, and that row's index. */
export interface NearestResult {
  /** [Q] float32, squared Euclidean distances (≥ 0). */
  distances: Float32Array
  /** [Q] int32 bank row indices. */
  indices: Int32Array
}

export type KnnBackend = 'js' | 'onnx'

/** Squared L2 norm of each row of [count, dim]. */
export function rowNorms(rows: Float32Array, count: number, dim: number): Float32Array {
  const out = new Float32Array(count) // [count]
  for (let r = 0; r < count; r++) {
    let s = 0
    const o = r * dim
    for (let j = 0; j < dim; j++) s += rows[o + j]! * rows[o + j]!
    out[r] = s
  }
  return out
}

/** Brute force, one pair at a time (the test oracle). */
export function nearestNaive(bank: MemoryBank, queries: Float32Array, count: number): NearestResult {
  const { dim } = bank
  const distances = new Float32Array(count)
  const indices = new Int32Array(count)
  for (let q = 0; q < count; q++) {
    let best = Infinity
    let bi = 0
    for (let b = 0; b < bank.size; b++) {
      let s = 0
      for (let j = 0; j < dim; j++) {
        const t = queries[q * dim + j]! - bank.data[b * dim + j]!
        s += t * t
      }
      if (s < best) {
        best = s
        bi = b
      }
    }
    distances[q] = best
    indices[q] = bi
  }
  return { distances, indices }
}

/**
 * Blocked JS search: four queries share each pass over a bank row (four accumulators keep
 * the row in registers), so memory traffic over the bank is divided by four.
 * `bankNorms` may be passed to reuse them across calls.
 */
export function nearestBlocked(bank: MemoryBank, queries: Float32Array, count: number, bankNorms?: Float32Array): NearestResult {
  const { dim, size, data } = bank
  const bn = bankNorms ?? rowNorms(data, size, dim)
  const qn = rowNorms(queries, count, dim)
  const distances = new Float32Array(count).fill(Infinity)
  const indices = new Int32Array(count)
  let q = 0
  for (; q + 4 <= count; q += 4) {
    const o0 = q * dim
    const o1 = o0 + dim
    const o2 = o1 + dim
    const o3 = o2 + dim
    let m0 = Infinity, m1 = Infinity, m2 = Infinity, m3 = Infinity
    let i0 = 0, i1 = 0, i2 = 0, i3 = 0
    for (let b = 0; b < size; b++) {
      const ob = b * dim
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0
      for (let j = 0; j < dim; j++) {
        const v = data[ob + j]!
        s0 += v * queries[o0 + j]!
        s1 += v * queries[o1 + j]!
        s2 += v * queries[o2 + j]!
        s3 += v * queries[o3 + j]!
      }
      // ||q||² is the same for every b, so compare ||b||² − 2 q·b and add ||q||² at the end.
      const nb = bn[b]!
      const d0 = nb - 2 * s0, d1 = nb - 2 * s1, d2 = nb - 2 * s2, d3 = nb - 2 * s3
      if (d0 < m0) { m0 = d0; i0 = b }
      if (d1 < m1) { m1 = d1; i1 = b }
      if (d2 < m2) { m2 = d2; i2 = b }
      if (d3 < m3) { m3 = d3; i3 = b }
    }
    distances[q] = Math.max(0, m0 + qn[q]!); indices[q] = i0
    distances[q + 1] = Math.max(0, m1 + qn[q + 1]!); indices[q + 1] = i1
    distances[q + 2] = Math.max(0, m2 + qn[q + 2]!); indices[q + 2] = i2
    distances[q + 3] = Math.max(0, m3 + qn[q + 3]!); indices[q + 3] = i3
  }
  for (; q < count; q++) {
    const oq = q * dim
    let m = Infinity
    let mi = 0
    for (let b = 0; b < size; b++) {
      const ob = b * dim
      let s = 0
      for (let j = 0; j < dim; j++) s += data[ob + j]! * queries[oq + j]!
      const d = bn[b]! - 2 * s
      if (d < m) { m = d; mi = b }
    }
    distances[q] = Math.max(0, m + qn[q]!)
    indices[q] = mi
  }
  return { distances, indices }
}

/** The k nearest bank rows of one vector (squared distances, ascending); for PatchCore's reweighting. */
export function kNearestOf(bank: MemoryBank, vector: Float32Array, k: number, offset = 0): { distances: number[]; indices: number[] } {
  const { dim, size, data } = bank
  const kk = Math.min(k, size)
  const best: Array<{ d: number; i: number }> = []
  for (let b = 0; b < size; b++) {
    let s = 0
    for (let j = 0; j < dim; j++) {
      const t = vector[offset + j]! - data[b * dim + j]!
      s += t * t
    }
    if (best.length < kk || s < best[best.length - 1]!.d) {
      best.push({ d: s, i: b })
      best.sort((x, y) => x.d - y.d)
      if (best.length > kk) best.pop()
    }
  }
  return { distances: best.map((x) => x.d), indices: best.map((x) => x.i) }
}
