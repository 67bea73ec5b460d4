import * as ort from 'onnxruntime-node'
import { createSession, type ExecutionProviderName, type ProviderRequest } from '../infer/sessions'
import { buildKnnModel } from './anomaly-graph'
import { nearestBlocked, rowNorms, type KnnBackend, type MemoryBank, type NearestResult } from './knn'

/**
 * Nearest-neighbour search over a memory bank behind one switch: 'js' (blocked Float32
 * loop, no session) or 'onnx' (MatMul + ReduceMin graph on onnxruntime, CPU or a GPU
 * provider). Anomaly models bake the 'onnx' form into their graph; this stand-alone form
 * is for measuring (bench/anomaly.ts) and for scoring raw embeddings.
 */
export interface NearestSearch {
  backend: KnnBackend
  provider: ExecutionProviderName | 'js'
  /** queries [count, bank.dim] → squared distances and indices. */
  search(queries: Float32Array, count: number): Promise<NearestResult>
  release(): Promise<void>
}

export async function createNearestSearch(bank: MemoryBank, backend: KnnBackend, opts: { provider?: ProviderRequest; threads?: number } = {}): Promise<NearestSearch> {
  if (backend === 'js') {
    const norms = rowNorms(bank.data, bank.size, bank.dim)
    return {
      backend,
      provider: 'js',
      search: async (queries, count) => nearestBlocked(bank, queries, count, norms),
      release: async () => {}
    }
  }
  const { session, provider } = await createSession(buildKnnModel(bank), { provider: opts.provider ?? 'cpu', ...(opts.threads ? { threads: opts.threads } : {}) })
  return {
    backend,
    provider,
    async search(queries, count) {
      const out = await session.run({ queries: new ort.Tensor('float32', queries, [count, bank.dim]) })
      const idx = out.indices!.data as BigInt64Array
      return { distances: out.distances!.data as Float32Array, indices: Int32Array.from(idx, (v) => Number(v)) }
    },
    release: () => session.release()
  }
}
