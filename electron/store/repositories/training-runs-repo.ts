import type { Db } from '../db'
import { nowIso } from '../db'
import { StoreNotFoundError } from '../errors'
import type { ModelKind } from './models-repo'

export type RunStatus = 'running' | 'done' | 'failed' | 'cancelled' | 'interrupted'

export interface TrainingRun {
  id: number
  kind: ModelKind
  status: RunStatus
  config: Record<string, unknown>
  startedAt: string
  finishedAt: string | null
  error: string | null
  summary: Record<string, unknown> | null
}

export interface EpochRecord {
  epoch: number
  metrics: Record<string, unknown>
  recordedAt: string
}

interface Raw {
  id: number
  kind: ModelKind
  status: RunStatus
  config_json: string
  started_at: string
  finished_at: string | null
  error: string | null
  summary_json: string | null
}

const toRun = (r: Raw): TrainingRun => ({
  id: r.id,
  kind: r.kind,
  status: r.status,
  config: JSON.parse(r.config_json) as Record<string, unknown>,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
  error: r.error,
  summary: r.summary_json ? (JSON.parse(r.summary_json) as Record<string, unknown>) : null
})

/** Training runs with their per-epoch metrics. */
export class TrainingRunsRepository {
  constructor(private readonly db: Db) {}

  start(input: { kind: ModelKind; config: Record<string, unknown> }): TrainingRun {
    const id = Number(
      this.db.prepare("INSERT INTO training_runs (kind, status, config_json, started_at) VALUES (?, 'running', ?, ?)").run(input.kind, JSON.stringify(input.config), nowIso())
        .lastInsertRowid
    )
    return this.get(id)
  }

  /** Record (or replace, after a resume) the metrics of one epoch. */
  recordEpoch(runId: number, epoch: number, metrics: Record<string, unknown>): void {
    this.db
      .prepare(
        'INSERT INTO training_epochs (run_id, epoch, metrics_json, recorded_at) VALUES (?, ?, ?, ?) ON CONFLICT(run_id, epoch) DO UPDATE SET metrics_json = excluded.metrics_json, recorded_at = excluded.recorded_at'
      )
      .run(runId, epoch, JSON.stringify(metrics), nowIso())
  }

  finish(runId: number, outcome: { status: Exclude<RunStatus, 'running'>; error?: string; summary?: Record<string, unknown> }): TrainingRun {
    const changes = this.db
      .prepare('UPDATE training_runs SET status = ?, finished_at = ?, error = ?, summary_json = ? WHERE id = ?')
      .run(outcome.status, nowIso(), outcome.error ?? null, outcome.summary ? JSON.stringify(outcome.summary) : null, runId).changes
    if (changes === 0) throw new StoreNotFoundError(`Training run ${runId}`)
    return this.get(runId)
  }

  /** Mark a run as running again (resumed from its checkpoint). */
  resume(runId: number): TrainingRun {
    this.db.prepare("UPDATE training_runs SET status = 'running', finished_at = NULL, error = NULL WHERE id = ?").run(runId)
    return this.get(runId)
  }

  /**
   * Runs left 'running' by a process that died: the training service calls this at start
   * (not the store at open, since another process may really be training right now).
   */
  markRunningAsInterrupted(): number {
    return this.db.prepare("UPDATE training_runs SET status = 'interrupted', finished_at = ? WHERE status = 'running'").run(nowIso()).changes
  }

  get(runId: number): TrainingRun {
    const r = this.db.prepare('SELECT * FROM training_runs WHERE id = ?').get(runId) as Raw | undefined
    if (!r) throw new StoreNotFoundError(`Training run ${runId}`)
    return toRun(r)
  }

  list(opts: { kind?: ModelKind; limit?: number } = {}): TrainingRun[] {
    const rows = (opts.kind
      ? this.db.prepare('SELECT * FROM training_runs WHERE kind = ? ORDER BY id DESC LIMIT ?').all(opts.kind, opts.limit ?? 100)
      : this.db.prepare('SELECT * FROM training_runs ORDER BY id DESC LIMIT ?').all(opts.limit ?? 100)) as Raw[]
    return rows.map(toRun)
  }

  epochs(runId: number): EpochRecord[] {
    const rows = this.db.prepare('SELECT epoch, metrics_json, recorded_at FROM training_epochs WHERE run_id = ? ORDER BY epoch').all(runId) as Array<{
      epoch: number
      metrics_json: string
      recorded_at: string
    }>
    return rows.map((r) => ({ epoch: r.epoch, metrics: JSON.parse(r.metrics_json) as Record<string, unknown>, recordedAt: r.recorded_at }))
  }
}
