import type { Db } from '../db'
import { nowIso } from '../db'

/**
 * Cached backbone features per image content and backbone: quick retrain reads these
 * instead of running the backbone again. backboneKey names the weights and preprocessing
 * (e.g. "resnet18@0.25:imagenet:<sha8>:224:whole").
 */
export class EmbeddingCacheRepository {
  constructor(private readonly db: Db) {}

  get(sha256: string, backboneKey: string): Float32Array | null {
    const r = this.db.prepare('SELECT vector FROM embedding_cache WHERE sha256 = ? AND backbone_key = ?').get(sha256, backboneKey) as { vector: Buffer } | undefined
    return r ? toFloat32(r.vector) : null
  }

  /** The cached vectors among these hashes; missing ones are absent from the map. */
  getMany(sha256s: string[], backboneKey: string): Map<string, Float32Array> {
    const stmt = this.db.prepare('SELECT vector FROM embedding_cache WHERE sha256 = ? AND backbone_key = ?')
    const out = new Map<string, Float32Array>()
    for (const sha of sha256s) {
      const r = stmt.get(sha, backboneKey) as { vector: Buffer } | undefined
      if (r) out.set(sha, toFloat32(r.vector))
    }
    return out
  }

  put(sha256: string, backboneKey: string, vector: Float32Array): void {
    this.putMany([{ sha256, vector }], backboneKey)
  }

  putMany(entries: Array<{ sha256: string; vector: Float32Array }>, backboneKey: string): void {
    const stmt = this.db.prepare(
      'INSERT INTO embedding_cache (sha256, backbone_key, dims, vector, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT(sha256, backbone_key) DO UPDATE SET dims = excluded.dims, vector = excluded.vector, created_at = excluded.created_at'
    )
    const at = nowIso()
    this.db.transaction(() => {
      for (const e of entries) stmt.run(e.sha256, backboneKey, e.vector.length, Buffer.from(e.vector.buffer, e.vector.byteOffset, e.vector.byteLength), at)
    }).immediate()
  }

  /** Drop cached vectors (of one backbone, or all). */
  clear(backboneKey?: string): number {
    return backboneKey
      ? this.db.prepare('DELETE FROM embedding_cache WHERE backbone_key = ?').run(backboneKey).changes
      : this.db.prepare('DELETE FROM embedding_cache').run().changes
  }
}

/** Copy into a fresh, aligned Float32Array (a SQLite Buffer may sit at any byte offset). */
function toFloat32(buf: Buffer): Float32Array {
  const out = new Float32Array(buf.byteLength / 4)
  new Uint8Array(out.buffer).set(buf)
  return out
}
