import { join } from 'node:path'
import { buildResnet18Inference, initResnet18Weights } from '../../../electron/engine/models/resnet'
import { writeSafetensors } from '../../../electron/engine/models/safetensors'
import { createProject, type ProjectStore } from '../../../electron/store/project-store'

/**
 * A project with one tiny classifier model version (ResNet18 at width 0.25, 32 px,
 * generated weights) for inspection tests: what matters here is the pipeline and the
 * records, not accuracy. Weights are stored too, so heatmaps are available.
 */
export const TINY = { width: 0.25, size: 32, classes: ['ok', 'scratch', 'spot'] } as const

export function tinyModelBytes(seed = 7): { onnx: Uint8Array; weights: Uint8Array } {
  const weights = initResnet18Weights({ numClasses: TINY.classes.length, width: TINY.width, seed })
  const onnx = buildResnet18Inference({ numClasses: TINY.classes.length, width: TINY.width, height: TINY.size, batch: 'dynamic', weights, outputs: { probabilities: true } })
  return { onnx, weights: writeSafetensors(weights) }
}

export function createTinyProject(dir: string, opts: { threshold?: number; activate?: boolean; seed?: number } = {}): ProjectStore {
  const store = createProject(join(dir, 'line.dsproj'))
  store.classes.create({ name: 'ok', isGood: true })
  store.classes.create({ name: 'scratch' })
  store.classes.create({ name: 'spot' })
  addTinyModel(store, opts)
  return store
}

export function addTinyModel(store: ProjectStore, opts: { threshold?: number; activate?: boolean; seed?: number } = {}): number {
  const { onnx, weights } = tinyModelBytes(opts.seed)
  return store.models.add({
    kind: 'classifier',
    architecture: 'resnet18@0.25',
    classes: [...TINY.classes],
    onnx,
    weights,
    metrics: { accuracy: 0.5 },
    config: { size: TINY.size, fit: 'whole', width: TINY.width },
    dataFingerprint: 'test',
    threshold: opts.threshold ?? 0.5,
    activate: opts.activate ?? true
  }).version
}
