import type { Db } from '../db'
import { nowIso } from '../db'
import { StoreConflictError, StoreNotFoundError } from '../errors'

export type ModelKind = 'classifier' | 'anomaly'

export interface NewModel {
  kind: ModelKind
  /** e.g. "resnet18@0.25" or "patchcore-resnet18-layer2+3". */
  architecture: string
  /** Class names in output order (the fc rows). */
  classes: string[]
  onnx: Uint8Array
  /** Trained weights (safetensors) to continue training from; optional. */
  weights?: Uint8Array
  metrics: Record<string, unknown>
  /** Training recipe and preprocessing (size, fit mode) used. */
  config: Record<string, unknown>
  /** LabelsRepository.fingerprint() of the data it was trained on. */
  dataFingerprint: string
  threshold?: number | null
  trainingRunId?: number | null
  activate?: boolean
}

export interface ModelVersion {
  id: number
  version: number
  kind: ModelKind
  architecture: string
  classes: string[]
  metrics: Record<string, unknown>
  config: Record<string, unknown>
  dataFingerprint: string
  threshold: number | null
  active: boolean
  trainingRunId: number | null
  createdAt: string
  activatedAt: string | null
  onnxBytes: number
}

interface Raw {
  id: number
  version: number
  kind: ModelKind
  architecture: string
  classes_json: string
  metrics_json: string
  config_json: string
  data_fingerprint: string
  threshold: number | null
  active: number
  training_run_id: number | null
  created_at: string
  activated_at: string | null
  onnx_bytes: number
}

const COLUMNS = `id, version, kind, architecture, classes_json, metrics_json, config_json, data_fingerprint, threshold, active, training_run_id, created_at, activated_at, onnx_bytes`

function toVersion(r: Raw): ModelVersion {
  return {
    id: r.id,
    version: r.version,
    kind: r.kind,
    architecture: r.architecture,
    classes: JSON.parse(r.classes_json) as string[],
    metrics: JSON.parse(r.metrics_json) as Record<string, unknown>,
    config: JSON.parse(r.config_json) as Record<string, unknown>,
    dataFingerprint: r.data_fingerprint,
    threshold: r.threshold,
    active: r.active === 1,
    trainingRunId: r.training_run_id,
    createdAt: r.created_at,
    activatedAt: r.activated_at,
    onnxBytes: r.onnx_bytes
  }
}

/** Model versions: numbered 1, 2, 3 … across kinds; one active per kind. */
export class ModelsRepository {
  constructor(private readonly db: Db) {}

  /** Add a version with its metrics, config and fingerprint in one transaction. */
  add(input: NewModel): ModelVersion {
    return this.db.transaction(() => {
      const version = (this.db.prepare('SELECT coalesce(max(version), 0) + 1 AS v FROM models').get() as { v: number }).v
      this.db
        .prepare(
          `INSERT INTO models (version, kind, architecture, classes_json, onnx_bytes, metrics_json, config_json, data_fingerprint, threshold, active, training_run_id, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)`
        )
        .run(
          version,
          input.kind,
          input.architecture,
          JSON.stringify(input.classes),
          input.onnx.byteLength,
          JSON.stringify(input.metrics),
          JSON.stringify(input.config),
          input.dataFingerprint,
          input.threshold ?? null,
          input.trainingRunId ?? null,
          nowIso()
        )
      const id = (this.db.prepare('SELECT id FROM models WHERE version = ?').get(version) as { id: number }).id
      this.db.prepare('INSERT INTO model_blobs (model_id, onnx, weights) VALUES (?, ?, ?)').run(id, input.onnx, input.weights ?? null)
      if (input.activate) this.activate(version)
      return this.get(version)
    }).immediate()
  }

  get(version: number): ModelVersion {
    const r = this.db.prepare(`SELECT ${COLUMNS} FROM models WHERE version = ?`).get(version) as Raw | undefined
    if (!r) throw new StoreNotFoundError(`Model version ${version}`)
    return toVersion(r)
  }

  list(kind?: ModelKind): ModelVersion[] {
    const rows = (kind
      ? this.db.prepare(`SELECT ${COLUMNS} FROM models WHERE kind = ? ORDER BY version`).all(kind)
      : this.db.prepare(`SELECT ${COLUMNS} FROM models ORDER BY version`).all()) as Raw[]
    return rows.map(toVersion)
  }

  active(kind: ModelKind): ModelVersion | null {
    const r = this.db.prepare(`SELECT ${COLUMNS} FROM models WHERE kind = ? AND active = 1`).get(kind) as Raw | undefined
    return r ? toVersion(r) : null
  }

  onnx(version: number): Buffer {
    const r = this.db.prepare('SELECT b.onnx FROM model_blobs b JOIN models m ON m.id = b.model_id WHERE m.version = ?').get(version) as { onnx: Buffer } | undefined
    if (!r) throw new StoreNotFoundError(`Model version ${version}`)
    return r.onnx
  }

  weights(version: number): Buffer | null {
    const r = this.db.prepare('SELECT b.weights FROM model_blobs b JOIN models m ON m.id = b.model_id WHERE m.version = ?').get(version) as { weights: Buffer | null } | undefined
    if (!r) throw new StoreNotFoundError(`Model version ${version}`)
    return r.weights
  }

  /** Make this version the active one of its kind. */
  activate(version: number): ModelVersion {
    return this.db.transaction(() => {
      const m = this.get(version)
      this.db.prepare('UPDATE models SET active = 0 WHERE kind = ? AND active = 1').run(m.kind)
      this.db.prepare('UPDATE models SET active = 1, activated_at = ? WHERE version = ?').run(nowIso(), version)
      return this.get(version)
    }).immediate()
  }

  /**
   * Re-activate the version of this kind that was active before the current one. Returns
   * it, or null when there is nothing to roll back to (the current one stays active).
   */
  rollback(kind: ModelKind): ModelVersion | null {
    return this.db.transaction(() => {
      const current = this.active(kind)
      const previous = this.db
        .prepare(
          `SELECT version FROM models WHERE kind = ? AND activated_at IS NOT NULL AND active = 0 ${current ? 'AND version <> ?' : ''}
            ORDER BY activated_at DESC, version DESC LIMIT 1`
        )
        .get(...(current ? [kind, current.version] : [kind])) as { version: number } | undefined
      if (!previous) return null
      // Forget the rolled-back version's activation so a second rollback goes further back.
      if (current) this.db.prepare('UPDATE models SET activated_at = NULL WHERE version = ?').run(current.version)
      return this.activate(previous.version)
    }).immediate()
  }

  setThreshold(version: number, threshold: number | null): ModelVersion {
    const changes = this.db.prepare('UPDATE models SET threshold = ? WHERE version = ?').run(threshold, version).changes
    if (changes === 0) throw new StoreNotFoundError(`Model version ${version}`)
    return this.get(version)
  }

  /** Remove a version that is not active. */
  delete(version: number): void {
    const m = this.get(version)
    if (m.active) throw new StoreConflictError(`Model version ${version} is active. Activate another version before deleting it.`)
    this.db.prepare('DELETE FROM models WHERE version = ?').run(version)
  }
}
