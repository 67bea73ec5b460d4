import type { Db } from '../db'
import { nowIso } from '../db'

export interface Checkpoint {
  id: number
  runId: number
  epoch: number
  step: number
  /** Schedule, early-stopping and RNG state: whatever resume needs besides tensors. */
  state: Record<string, unknown>
  /** safetensors bytes of the weights (and BN buffers). */
  weights: Buffer
  /** safetensors bytes of the optimizer state, when there is one. */
  optimizer: Buffer | null
  createdAt: string
}

/** Training checkpoints, stored in the project so a crash loses at most one epoch. */
export class CheckpointsRepository {
  constructor(private readonly db: Db) {}

  /** Save a checkpoint and keep only the newest `keep` of this run (one transaction). */
  save(input: { runId: number; epoch: number; step: number; state: Record<string, unknown>; weights: Uint8Array; optimizer?: Uint8Array | null }, keep = 2): number {
    return this.db.transaction(() => {
      const id = Number(
        this.db
          .prepare('INSERT INTO checkpoints (run_id, epoch, step, state_json, weights, optimizer, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
          .run(input.runId, input.epoch, input.step, JSON.stringify(input.state), input.weights, input.optimizer ?? null, nowIso()).lastInsertRowid
      )
      this.db
        .prepare('DELETE FROM checkpoints WHERE run_id = ? AND id NOT IN (SELECT id FROM checkpoints WHERE run_id = ? ORDER BY id DESC LIMIT ?)')
        .run(input.runId, input.runId, Math.max(1, keep))
      return id
    }).immediate()
  }

  latest(runId: number): Checkpoint | null {
    const r = this.db.prepare('SELECT * FROM checkpoints WHERE run_id = ? ORDER BY id DESC LIMIT 1').get(runId) as
      | { id: number; run_id: number; epoch: number; step: number; state_json: string; weights: Buffer; optimizer: Buffer | null; created_at: string }
      | undefined
    if (!r) return null
    return {
      id: r.id,
      runId: r.run_id,
      epoch: r.epoch,
      step: r.step,
      state: JSON.parse(r.state_json) as Record<string, unknown>,
      weights: r.weights,
      optimizer: r.optimizer,
      createdAt: r.created_at
    }
  }

  deleteForRun(runId: number): number {
    return this.db.prepare('DELETE FROM checkpoints WHERE run_id = ?').run(runId).changes
  }
}
