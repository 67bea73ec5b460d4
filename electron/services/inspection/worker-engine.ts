import type { InspectionModelInfo } from '../../../shared/contract/inspection'
import { WorkerHost, type WorkerHostOptions } from '../../engine/worker-host'
import { LocalInspectionEngine, shrinkHeatmap, type ModelLoader } from './local-engine'
import type { EngineOutput, EngineRequest, InspectionEngine } from './pipeline'

/**
 * The app's inspection engine: a worker thread of its own, so frames never block the UI
 * (session.run is synchronous in onnxruntime-node) and a training job in the main engine
 * worker never delays a verdict on the line. The watchdog's restart disposes the worker
 * and starts a fresh one; models are loaded again on the next frame.
 * Model versions without trained weights (ONNX only) run in this thread instead.
 */
export class WorkerInspectionEngine implements InspectionEngine {
  private host: WorkerHost
  private readonly loaded = new Map<string, Promise<void>>()
  private readonly fallback: LocalInspectionEngine

  constructor(
    private readonly loadModel: ModelLoader,
    private readonly hostOptions: WorkerHostOptions = {}
  ) {
    this.host = new WorkerHost(hostOptions)
    this.fallback = new LocalInspectionEngine(loadModel)
  }

  async infer(request: EngineRequest): Promise<EngineOutput> {
    if (!request.models.classifier) return this.fallback.infer(request)
    // Anomaly scoring (when active) runs beside the worker's classification.
    const [classified, anomaly] = await Promise.all([
      this.classify(request),
      request.models.anomaly ? this.fallback.scoreAnomaly(request) : Promise.resolve(null)
    ])
    return anomaly ? { ...classified, anomalyScore: anomaly.anomalyScore, heatmap: classified.heatmap ?? anomaly.heatmap } : classified
  }

  private async classify(request: EngineRequest): Promise<EngineOutput> {
    const c = request.models.classifier!
    const key = await this.ensureLoaded(c)
    if (key === null) return this.fallback.infer({ ...request, models: { classifier: c, anomaly: null } })
    const image = new Uint8Array(request.image.buffer.slice(request.image.byteOffset, request.image.byteOffset + request.image.byteLength))
    const { results } = await this.host.call(
      'predict:images',
      { key, images: [image], fit: c.fit, roi: request.roi ?? undefined, heatmap: request.heatmap },
      { transfer: [image.buffer as ArrayBuffer] }
    )
    const r = results[0]!
    return { probabilities: r.probabilities, heatmap: r.heatmap ? shrinkHeatmap(r.heatmap) : null }
  }

  async warmup(models: InspectionModelInfo): Promise<void> {
    if (models.classifier && (await this.ensureLoaded(models.classifier)) === null) await this.fallback.warmup({ classifier: models.classifier, anomaly: null })
    if (models.anomaly) await this.fallback.warmup({ classifier: null, anomaly: models.anomaly })
  }

  async restart(): Promise<void> {
    const old = this.host
    this.loaded.clear()
    this.host = new WorkerHost(this.hostOptions)
    await old.dispose().catch(() => undefined)
    await this.fallback.restart()
    await this.host.start()
  }

  async release(): Promise<void> {
    this.loaded.clear()
    await this.host.dispose()
    await this.fallback.release()
  }

  /** Load the version's weights into the worker once; null when it has no weights. */
  private async ensureLoaded(c: NonNullable<InspectionModelInfo['classifier']>): Promise<string | null> {
    const key = `inspect:model:${c.version}@${c.size}`
    let p = this.loaded.get(key)
    if (!p) {
      const bytes = this.loadModel(c.version)
      if (!bytes.weights) return null
      const weightsBytes = new Uint8Array(bytes.weights)
      p = this.host
        .call('predict:load', { key, weightsBytes, size: c.size, heatmap: true }, { transfer: [weightsBytes.buffer as ArrayBuffer] })
        .then(() => undefined)
      p.catch(() => this.loaded.delete(key))
      this.loaded.set(key, p)
    }
    await p
    return key
  }
}
