import type { ProjectStore } from '../store/project-store'
import type { ProjectDataset, TrainingData } from '../engine/train/training-data'
import type { EvalSample } from '../engine/train/evaluate'
import type { TrainSample } from '../engine/train/batches'
import { backboneDirs } from './app-info'

/**
 * Fills the engine's training-data interface (engine/train/training-data.ts) from an open
 * project store: the one place where a training job meets the database.
 */

/**
 * Classes with at least one labelled image, in the project's class order; every labelled
 * image gets a split first (the store's deterministic per-class assignment).
 */
export function projectDataset(store: ProjectStore): ProjectDataset {
  const rows = store.classes
    .listWithCounts()
    .filter((c) => c.count > 0)
    .sort((a, b) => a.order - b.order || a.id - b.id)
  store.splits.assignMissing(rows.map((c) => c.id))
  const index = new Map(rows.map((c, i) => [c.id, i]))
  const good = rows.findIndex((c) => c.isGood)
  const train: TrainSample[] = []
  const val: EvalSample[] = []
  for (const r of store.images.listLabelled()) {
    const label = index.get(r.classId)
    if (label === undefined) continue
    const sample = { key: r.sha256, label, load: async () => new Uint8Array(store.images.bytes(r.id).bytes) }
    if (r.split === 'val') val.push(sample)
    else train.push({ ...sample, size: [r.width, r.height] })
  }
  return { classes: rows.map((c) => c.name), goodClass: good >= 0 ? good : null, train, val, fingerprint: store.labels.fingerprint() }
}

/** The training-data interface over `store`, with the app's backbone folders. */
export function projectTrainingData(store: ProjectStore): TrainingData {
  return {
    dataset: () => projectDataset(store),
    backboneDirs: backboneDirs(),
    settings: store.settings,
    trainer: store.trainer,
    runs: store.runs,
    checkpoints: store.checkpoints,
    embeddings: {
      get: (shas, key) => store.embeddings.getMany(shas, key),
      put: (entries, key) => store.embeddings.putMany(entries, key)
    },
    models: store.models,
    transaction: (fn) => store.transaction(fn)
  }
}
