import type { HandlerMap } from '../router'
import type { AnomalyService } from '../anomaly-service'
import { evaluateAnomalyOnProject } from '../anomaly-eval'
import type { ProjectStore } from '../../store/project-store'

/** IPC/WebSocket handlers of anomaly mode: validate (router) → service → result. */
export function anomalyHandlers(deps: { anomaly: AnomalyService; project: () => ProjectStore }): HandlerMap {
  const a = deps.anomaly
  return {
    'anomaly:train': (payload) => a.train(payload),
    'anomaly:status': () => a.status(),
    'anomaly:recalibrate': ({ version, targetFrr }) => a.recalibrate(version, targetFrr),
    'anomaly:evaluate': async ({ version }) => {
      const r = await evaluateAnomalyOnProject(deps.project(), version, a.engine)
      return { modelVersion: r.modelVersion, imageAuroc: r.imageAuroc, threshold: r.threshold, falseRejectRate: r.falseRejectRate, defectRecall: r.defectRecall, goodImages: r.goodImages, defectImages: r.defectImages, roc: r.roc }
    }
  }
}
