import type { EmitEvent, EventPayload } from '../../shared/contract/index'
import { augmentFromSwitches } from '../engine/train/augment'
import { TrainingEpochDto } from '../../shared/contract/training'
import type { ProjectStore } from '../store/project-store'
import type { ModelVersion } from '../store/repositories/models-repo'
import type { ModelVersionDto, TrainingDonePayload, TrainingProgressPayload, TrainingRunDto, TrainingStatusDto, TrainRequest } from '../../shared/contract/training'
import type { TrainProgress } from '../engine/train/trainer'
import type { EpochRecord } from '../engine/train/checkpoints'
import { runTrainingJob, type TrainJobOptions, type TrainOutcome } from '../engine/train/training-job'
import { projectTrainingData } from './training-data'
import { openProject } from '../store/project-store'
import { UserFacingError, NotFoundError } from './errors'
import type { EngineCaller } from '../engine/worker-host'

/**
 * The app's training service: one run at a time for the open project, executed by a
 * TrainingRunner (the engine worker in the app, in-process in tests), its progress pushed
 * as `training:progress` / `training:epoch` / `training:done` events. Model versions are
 * listed, activated (rollback = activating an older one) and compared here too.
 */

export interface TrainingRunHooks {
  onStart: (info: { runId: number; resumedFromEpoch: number | null }) => void
  onProgress: (runId: number, p: TrainProgress) => void
  onEpoch: (runId: number, r: EpochRecord) => void
  signal: AbortSignal
}

/** Runs a job on a project file somewhere (worker thread or this thread). */
export interface TrainingRunner {
  run(projectFile: string, options: Omit<TrainJobOptions, 'backbone'>, hooks: TrainingRunHooks): Promise<TrainOutcome>
}

/** Run in the engine worker (the app): `host` is the WorkerHost. */
export function workerTrainingRunner(host: EngineCaller): TrainingRunner {
  return {
    run: (projectFile, options, hooks) =>
      host.call(
        'training:run',
        { projectFile, options },
        {
          signal: hooks.signal,
          onProgress: (m) => {
            if (m.kind === 'start') hooks.onStart(m)
            else if (m.kind === 'progress') hooks.onProgress(m.runId, m.progress)
            else hooks.onEpoch(m.runId, m.record)
          }
        }
      )
  }
}

/** Run on this thread with its own store connection (tests, tools). */
export const inProcessTrainingRunner: TrainingRunner = {
  async run(projectFile, options, hooks) {
    const store = openProject(projectFile)
    try {
      return await runTrainingJob(projectTrainingData(store), options, { ...hooks, onStart: (i) => hooks.onStart(i) })
    } finally {
      store.close()
    }
  }
}

export function modelVersionDto(m: ModelVersion): ModelVersionDto {
  return {
    version: m.version,
    kind: m.kind,
    architecture: m.architecture,
    classes: m.classes,
    metrics: m.metrics,
    config: m.config,
    dataFingerprint: m.dataFingerprint,
    active: m.active,
    createdAt: m.createdAt,
    activatedAt: m.activatedAt,
    trainingRunId: m.trainingRunId
  }
}

export interface TrainingServiceDeps {
  /** The open project (throws NoProjectError when none). */
  project: () => ProjectStore
  emit: EmitEvent
  runner: TrainingRunner
  /** Options added to every run (tests: a reduced model width, one thread). */
  defaults?: Partial<Omit<TrainJobOptions, 'backbone' | 'mode'>>
}

export class TrainingService {
  private state: TrainingStatusDto['state'] = 'idle'
  private runId: number | null = null
  private progress: TrainingProgressPayload | null = null
  private last: TrainingDonePayload | null = null
  /** The project file the last run belonged to: its result is shown only while that project is open. */
  private lastFile: string | null = null
  private runFile: string | null = null
  private abort: AbortController | null = null
  private job: Promise<void> | null = null

  constructor(private readonly deps: TrainingServiceDeps) {}

  /**
   * Start a run; resolves once it has a run id (or fails before starting). `job`: options
   * of this run that are no setting of the API (the demo project's reduced model width and
   * pinned augmentation).
   */
  async start(request: TrainRequest, job: Pick<TrainJobOptions, 'width' | 'augment'> = {}): Promise<{ runId: number | null; resumed: boolean }> {
    if (this.state === 'training' || this.state === 'stopping') {
      const where = this.runFile !== openFile(this.deps.project) ? ` in another project (${this.runFile})` : ''
      throw new UserFacingError('conflict', `A training run is already in progress${where}. Wait for it or cancel it first.`)
    }
    const store = this.deps.project()
    const { augment, ...rest } = request
    const options: Omit<TrainJobOptions, 'backbone'> = { ...this.deps.defaults, ...job, ...rest, mode: request.mode ?? 'full' }
    if (augment) options.augment = augmentFromSwitches(augment)
    const abort = new AbortController()
    this.abort = abort
    this.runFile = store.file
    this.state = 'training'
    this.progress = null
    this.runId = null
    let started!: (v: { runId: number | null; resumed: boolean }) => void
    let failedEarly!: (e: Error) => void
    const startedPromise = new Promise<{ runId: number | null; resumed: boolean }>((resolve, reject) => {
      started = resolve
      failedEarly = reject
    })
    let hasStarted = false
    this.job = this.deps.runner
      .run(store.file, options, {
        signal: abort.signal,
        onStart: ({ runId, resumedFromEpoch }) => {
          this.runId = runId
          hasStarted = true
          started({ runId, resumed: resumedFromEpoch !== null })
        },
        onProgress: (runId, p) => {
          this.progress = { runId, ...p, accuracy: Number.isFinite(p.accuracy) ? p.accuracy : 0 }
          this.emitForRunProject('training:progress', this.progress)
        },
        onEpoch: (runId, r) => this.emitForRunProject('training:epoch', { runId, ...r })
      })
      .then((outcome) => {
        this.finish({
          runId: outcome.runId,
          status: outcome.status,
          modelVersion: outcome.modelVersion,
          activated: outcome.activated,
          reason: outcome.reason,
          metrics: outcome.metrics ? { ...outcome.metrics } : null,
          imagesPerSecond: outcome.imagesPerSecond,
          warnings: outcome.warnings ?? [],
          recipe: outcome.recipe
        })
      })
      .catch((error: unknown) => {
        const message = error instanceof Error ? error.message.split('\n')[0]! : String(error)
        this.finish({ runId: this.runId, status: 'failed', modelVersion: null, activated: false, reason: message, metrics: null, imagesPerSecond: 0, warnings: [] })
        // Refused before it started (no labels, no validation images, bad weights): the
        // request itself fails with the reason.
        if (!hasStarted) failedEarly(new UserFacingError('failed', message))
      })
      .finally(() => started({ runId: this.runId, resumed: false }))
    return startedPromise
  }

  private finish(done: TrainingDonePayload): void {
    this.last = done
    this.lastFile = this.runFile
    this.state = done.status === 'failed' ? 'error' : done.status === 'done' ? 'done' : 'idle'
    this.abort = null
    this.emitForRunProject('training:done', done)
  }

  /**
   * A run keeps going when another project is opened (it has its own store connection),
   * but its events belong to its project: screens showing another project never hear them.
   * Reopening the run's project reloads its state through status() and runs().
   */
  private emitForRunProject<E extends 'training:progress' | 'training:epoch' | 'training:done'>(event: E, payload: EventPayload<E>): void {
    if (this.runFile === openFile(this.deps.project)) this.deps.emit(event, payload)
  }

  /** Stop at the next step; the last epoch checkpoint stays for resuming. */
  cancel(): { cancelled: boolean } {
    if (!this.abort || this.state !== 'training') return { cancelled: false }
    this.state = 'stopping'
    this.abort.abort()
    return { cancelled: true }
  }

  /** Resolves when the current run (if any) has ended. */
  async idle(): Promise<void> {
    await this.job
  }

  status(): TrainingStatusDto {
    const busy = this.state === 'training' || this.state === 'stopping'
    const open = openFile(this.deps.project)
    // A run of another project is going: not this project's run, but it holds the trainer.
    if (busy && this.runFile !== open) return { state: 'idle', runId: null, progress: null, last: null, busyElsewhere: { projectPath: this.runFile! } }
    // Another project is open than the one the last run trained: that result is not its.
    if (!busy && this.lastFile !== null && this.lastFile !== open) return { state: 'idle', runId: null, progress: null, last: null }
    return { state: this.state, runId: this.runId, progress: this.progress, last: this.last }
  }

  runs(): TrainingRunDto[] {
    const store = this.deps.project()
    const versions = store.models.list()
    return store.runs.list().map((r) => ({
      id: r.id,
      kind: r.kind,
      status: r.status,
      config: r.config,
      startedAt: r.startedAt,
      finishedAt: r.finishedAt,
      error: r.error,
      epochs: store.runs.epochs(r.id).flatMap((e) => storedEpoch(e.metrics)),
      modelVersion: versions.find((v) => v.trainingRunId === r.id)?.version ?? null
    }))
  }

  models(): ModelVersionDto[] {
    return this.deps.project().models.list().map(modelVersionDto).reverse()
  }

  activate(version: number): ModelVersionDto {
    const store = this.deps.project()
    if (!store.models.list().some((m) => m.version === version)) throw new NotFoundError(`Model version ${version}`)
    return modelVersionDto(store.models.activate(version))
  }

  /** Stored validation metrics side by side (b − a). */
  compare(a: number, b: number): { a: ModelVersionDto; b: ModelVersionDto; accuracyDelta: number; defectRecallDelta: number | null; sameClasses: boolean } {
    const list = this.deps.project().models.list()
    const ma = list.find((m) => m.version === a)
    const mb = list.find((m) => m.version === b)
    if (!ma) throw new NotFoundError(`Model version ${a}`)
    if (!mb) throw new NotFoundError(`Model version ${b}`)
    const num = (x: unknown): number | null => (typeof x === 'number' ? x : null)
    const accA = num(ma.metrics.accuracy) ?? 0
    const accB = num(mb.metrics.accuracy) ?? 0
    const drA = num(ma.metrics.defectRecall)
    const drB = num(mb.metrics.defectRecall)
    return {
      a: modelVersionDto(ma),
      b: modelVersionDto(mb),
      accuracyDelta: accB - accA,
      defectRecallDelta: drA === null || drB === null ? null : drB - drA,
      sameClasses: JSON.stringify(ma.classes) === JSON.stringify(mb.classes)
    }
  }
}

/** A stored epoch record read back through its schema; one that no longer fits is left out, never trusted. */
function storedEpoch(stored: unknown): TrainingEpochDto[] {
  const parsed = TrainingEpochDto.safeParse(stored)
  return parsed.success ? [parsed.data] : []
}

/** The open project's file, or null when none is open. */
function openFile(project: () => { file: string }): string | null {
  try {
    return project().file
  } catch {
    return null
  }
}
