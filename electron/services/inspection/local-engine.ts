import type { InspectionModelInfo } from '../../../shared/contract/inspection'
import { Inspector } from '../../engine/infer/inspector'
import type { EngineOutput, EngineRequest, InspectionEngine } from './pipeline'

/**
 * The inspection engine run in this thread: used by the CLI and the bench, where nothing
 * else shares the event loop (the app uses worker-engine.ts). Both run the engine's
 * Inspector (engine/infer/inspector.ts): one decode per frame, classifier and anomaly
 * model from the same pixels.
 */

/** A model version's bytes, from the project store or a model package. */
export interface ModelBytes {
  onnx: Uint8Array
  weights: Uint8Array | null
  /** INT8 calibration ranges when the version inspects in INT8 (services/int8-model.ts). */
  int8Ranges?: Record<string, [number, number]> | null
}
export type ModelLoader = (version: number) => ModelBytes

/** Keys under which a session's models are loaded in an Inspector. */
export function inspectionModelKeys(models: InspectionModelInfo): { classifier: string | null; anomaly: string | null } {
  return {
    classifier: models.classifier ? `classifier:${models.classifier.version}@${models.classifier.size}` : null,
    anomaly: models.anomaly ? `anomaly:${models.anomaly.version}@${models.anomaly.size}` : null
  }
}

/** The Inspector's request for one frame of `request`. */
export function inspectRequest(request: EngineRequest, keys: ReturnType<typeof inspectionModelKeys>) {
  const { classifier, anomaly } = request.models
  return {
    classifier: classifier && keys.classifier ? { key: keys.classifier, fit: classifier.fit } : null,
    anomaly: anomaly && keys.anomaly ? { key: keys.anomaly, fit: anomaly.fit, threshold: anomaly.threshold } : null,
    roi: request.roi,
    heatmap: request.heatmap,
    raw: request.raw ?? null
  }
}

export class LocalInspectionEngine implements InspectionEngine {
  private inspector: Inspector

  constructor(
    private readonly loadModel: ModelLoader,
    private readonly opts: { threads?: number } = {}
  ) {
    this.inspector = new Inspector(opts)
  }

  async infer(request: EngineRequest): Promise<EngineOutput> {
    const keys = await this.ensureLoaded(request.models)
    const r = await this.inspector.inspect(request.image, inspectRequest(request, keys))
    return { ...(r.probabilities ? { probabilities: r.probabilities } : {}), ...(r.anomalyScore !== undefined ? { anomalyScore: r.anomalyScore } : {}), heatmap: r.heatmap }
  }

  async warmup(models: InspectionModelInfo): Promise<void> {
    await this.ensureLoaded(models)
  }

  async restart(): Promise<void> {
    await this.release()
    this.inspector = new Inspector(this.opts)
  }

  async release(): Promise<void> {
    await this.inspector.release()
  }

  private async ensureLoaded(models: InspectionModelInfo): Promise<ReturnType<typeof inspectionModelKeys>> {
    const keys = inspectionModelKeys(models)
    if (models.classifier && keys.classifier) {
      const { onnx, weights, int8Ranges } = this.loadModel(models.classifier.version)
      await this.inspector.loadClassifier(keys.classifier, { onnx, weights, size: models.classifier.size, int8Ranges })
    }
    if (models.anomaly && keys.anomaly) await this.inspector.loadAnomaly(keys.anomaly, { onnx: this.loadModel(models.anomaly.version).onnx, size: models.anomaly.size })
    return keys
  }
}
