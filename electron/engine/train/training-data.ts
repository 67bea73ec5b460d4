import type { BackboneDirs } from '../models/backbones'
import type { EvalSample } from './evaluate'
import type { TrainSample } from './batches'
import type { EmbeddingStore } from './quick-head'

/**
 * What a training job (training-job.ts) reads from and writes to a project, as a small
 * interface the engine owns. The engine never opens a project itself: the code that starts
 * a job fills this from the project store (electron/services/training-data.ts), in the
 * engine worker thread or in the CLI process alike. Each member mirrors one store
 * repository method, so the store satisfies it without translation.
 */

/** The labelled data of a project as the trainer needs it. */
export interface ProjectDataset {
  /** Classes with at least one labelled image, in the project's class order. */
  classes: string[]
  /** Index into `classes` of the good class (null when none is marked good). */
  goodClass: number | null
  train: TrainSample[]
  val: EvalSample[]
  /** Changes whenever a label or split changes (resume and model-version key). */
  fingerprint: string
}

export type ModelKindName = 'classifier' | 'anomaly'

/** A stored training run, as far as the job needs it. */
export interface StoredRun {
  id: number
  status: 'running' | 'done' | 'failed' | 'cancelled' | 'interrupted'
  config: Record<string, unknown>
}

/** A stored checkpoint: its state object plus safetensors bytes of weights and optimizer. */
export interface StoredCheckpoint {
  state: Record<string, unknown>
  weights: Uint8Array
  optimizer: Uint8Array | null
}

/** A stored model version's metadata (blobs are read separately). */
export interface StoredModel {
  version: number
  classes: string[]
  config: Record<string, unknown>
}

export interface NewModelVersion {
  kind: ModelKindName
  architecture: string
  classes: string[]
  onnx: Uint8Array
  weights?: Uint8Array
  metrics: Record<string, unknown>
  config: Record<string, unknown>
  dataFingerprint: string
  /** PASS threshold on the good class's probability (operating-point.ts); null: inspection's default. */
  threshold?: number | null
  trainingRunId?: number | null
  activate?: boolean
}

export interface TrainingData {
  /** Labelled images split into train/validation (every labelled image gets a split first). */
  dataset(): ProjectDataset
  /** Where the app keeps its backbone weights (the full-size starting point). */
  backboneDirs: BackboneDirs
  settings: { get<T>(key: string, fallback: T): T }
  /**
   * The claim that this process is the project's trainer (store/trainer-claim.ts): `claim`
   * throws, naming the owner, while another live process trains it. Absent: no claim.
   */
  trainer?: { claim(): void; release(): void }
  runs: {
    markRunningAsInterrupted(): number
    list(opts: { kind?: ModelKindName; limit?: number }): StoredRun[]
    start(input: { kind: ModelKindName; config: Record<string, unknown> }): { id: number }
    resume(runId: number): unknown
    recordEpoch(runId: number, epoch: number, metrics: Record<string, unknown>): void
    finish(runId: number, outcome: { status: 'done' | 'failed' | 'cancelled' | 'interrupted'; error?: string; summary?: Record<string, unknown> }): unknown
  }
  checkpoints: {
    latest(runId: number): StoredCheckpoint | null
    save(input: { runId: number; epoch: number; step: number; state: Record<string, unknown>; weights: Uint8Array; optimizer?: Uint8Array | null }): number
    deleteForRun(runId: number): number
  }
  embeddings: EmbeddingStore
  models: {
    active(kind: ModelKindName): StoredModel | null
    onnx(version: number): Uint8Array
    weights(version: number): Uint8Array | null
    add(input: NewModelVersion): { version: number }
  }
  /** Run fn atomically: a crash leaves all of its writes or none. */
  transaction<T>(fn: () => T): T
}
