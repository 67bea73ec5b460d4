import type { Db } from '../db'
import { nowIso } from '../db'

/** One classifier version's prediction for one image. */
export interface Prediction {
  imageId: number
  modelVersion: number
  /** The predicted class name (the model's class list, not the project's ids). */
  className: string
  /** Probability of the predicted class, 0..1. */
  confidence: number
  /** Probabilities in the model's class order. */
  probabilities: number[]
  createdAt: string
}

export type NewPrediction = Omit<Prediction, 'createdAt'>

interface Raw {
  image_id: number
  model_version: number
  class_name: string
  confidence: number
  probabilities_json: string
  created_at: string
}

function toPrediction(r: Raw): Prediction {
  return {
    imageId: r.image_id,
    modelVersion: r.model_version,
    className: r.class_name,
    confidence: r.confidence,
    probabilities: JSON.parse(r.probabilities_json) as number[],
    createdAt: r.created_at
  }
}

/** Stored predictions per (image, model version); rows go with their image or version. */
export class PredictionsRepository {
  constructor(private readonly db: Db) {}

  /** Insert or replace predictions in one transaction. */
  putMany(rows: NewPrediction[]): void {
    const stmt = this.db.prepare(
      `INSERT INTO predictions (image_id, model_version, class_name, confidence, probabilities_json, created_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT(image_id, model_version) DO UPDATE SET class_name = excluded.class_name, confidence = excluded.confidence,
         probabilities_json = excluded.probabilities_json, created_at = excluded.created_at`
    )
    const at = nowIso()
    this.db.transaction(() => {
      for (const p of rows) stmt.run(p.imageId, p.modelVersion, p.className, p.confidence, JSON.stringify(p.probabilities), at)
    }).immediate()
  }

  /** Every prediction of one version, by image id. */
  forVersion(version: number): Map<number, Prediction> {
    const rows = this.db.prepare('SELECT * FROM predictions WHERE model_version = ? ORDER BY image_id').all(version) as Raw[]
    return new Map(rows.map((r) => [r.image_id, toPrediction(r)]))
  }

  /** Predictions of one version for these images (missing ones are absent). */
  forImages(version: number, imageIds: number[]): Map<number, Prediction> {
    const stmt = this.db.prepare('SELECT * FROM predictions WHERE model_version = ? AND image_id = ?')
    const out = new Map<number, Prediction>()
    for (const id of imageIds) {
      const r = stmt.get(version, id) as Raw | undefined
      if (r) out.set(id, toPrediction(r))
    }
    return out
  }

  /** Of these images, the ids this version has not predicted yet (order kept). */
  missing(version: number, imageIds: number[]): number[] {
    const have = new Set((this.db.prepare('SELECT image_id FROM predictions WHERE model_version = ?').all(version) as Array<{ image_id: number }>).map((r) => r.image_id))
    return imageIds.filter((id) => !have.has(id))
  }

  count(version?: number): number {
    const r = (version === undefined
      ? this.db.prepare('SELECT count(*) AS n FROM predictions').get()
      : this.db.prepare('SELECT count(*) AS n FROM predictions WHERE model_version = ?').get(version)) as { n: number }
    return r.n
  }
}
