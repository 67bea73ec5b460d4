import { basename } from 'node:path'
import type { ProjectStore } from '../../store/project-store'
import type { ModelKind, ModelVersion } from '../../store/repositories/models-repo'
import { appVersion } from '../app-info'
import { GREY_MEAN, GREY_STD, IMAGENET_MEAN, IMAGENET_STD } from '../../imaging/preprocess'
import { DEFAULT_SIZE, goodClassOf } from './models-info'
import { readModelPackage, writeModelPackage, ModelPackageError } from './models-package'

/**
 * Model packages <-> a project's model versions (`defect-studio models export|import`).
 * Export carries the ONNX model, the trained weights when present (so heatmaps work on
 * the other PC), classes with the good one marked, preprocessing and threshold.
 */

export class ModelExportError extends Error {
  constructor(reason: string) {
    super(reason)
    this.name = 'ModelExportError'
  }
}

export async function exportModelPackage(store: ProjectStore, file: string, version?: number): Promise<{ version: number; bytes: number }> {
  const model = pickModel(store, version)
  const good = model.kind === 'classifier' ? goodClassOf(store, model) : null
  const config = model.config
  const size = typeof config.size === 'number' ? config.size : DEFAULT_SIZE
  const fit = config.fit === 'crop' ? 'crop' : 'whole'
  const blobs: Record<string, Uint8Array> = { 'model.onnx': store.models.onnx(model.version) }
  const weights = store.models.weights(model.version)
  if (weights) blobs['weights.safetensors'] = weights
  const bytes = await writeModelPackage(file, {
    header: {
      kind: model.kind,
      architecture: model.architecture,
      classes: model.classes.map((name) => ({ name, good: name === good })),
      // A one-channel model (config.inputChannels 1) reads one grey plane with one mean and std.
      preprocessing: config.inputChannels === 1 ? { size, fit, mean: [GREY_MEAN], std: [GREY_STD] } : { size, fit, mean: [...IMAGENET_MEAN], std: [...IMAGENET_STD] },
      threshold: model.threshold,
      metrics: model.metrics,
      config: { ...config, ...(good ? { goodClass: good } : {}), dataFingerprint: model.dataFingerprint },
      source: { project: store.name, version: model.version, exportedAt: new Date().toISOString(), appVersion: appVersion() }
    },
    blobs
  })
  return { version: model.version, bytes }
}

/**
 * Add the package as a new model version. It becomes active when the project has no
 * active model of its kind; otherwise it waits for `models activate` (a model from
 * another PC never replaces the running one by surprise).
 */
export async function importModelPackage(store: ProjectStore, file: string): Promise<{ version: number; kind: ModelKind; activated: boolean }> {
  const pkg = await readModelPackage(file)
  const h = pkg.header
  if (h.kind === 'classifier' && h.classes.filter((c) => c.good).length !== 1) throw new ModelPackageError(file, 'a classifier package must mark exactly one good class')
  const good = h.classes.find((c) => c.good)?.name
  // Classes the project does not know yet are created, so overrides can label into them.
  for (const c of h.classes) {
    if (h.kind === 'classifier' && !store.classes.findByName(c.name)) {
      store.classes.create({ name: c.name, isGood: c.good && !store.classes.list().some((x) => x.isGood) })
    }
  }
  const activate = store.models.active(h.kind) === null
  const added = store.models.add({
    kind: h.kind,
    architecture: h.architecture,
    classes: h.classes.map((c) => c.name),
    onnx: pkg.blobs['model.onnx']!,
    ...(pkg.blobs['weights.safetensors'] ? { weights: pkg.blobs['weights.safetensors'] } : {}),
    metrics: h.metrics,
    config: { ...h.config, size: h.preprocessing.size, fit: h.preprocessing.fit, ...(good ? { goodClass: good } : {}), importedFrom: basename(file), importedSource: h.source },
    dataFingerprint: typeof h.config.dataFingerprint === 'string' ? h.config.dataFingerprint : `package:${basename(file)}`,
    threshold: h.threshold,
    activate
  })
  return { version: added.version, kind: added.kind, activated: activate }
}

function pickModel(store: ProjectStore, version?: number): ModelVersion {
  if (version !== undefined) {
    const m = store.models.list().find((x) => x.version === version)
    if (!m) throw new ModelExportError(`Model version ${version} does not exist. List them with "defect-studio models --project ${store.file}".`)
    return m
  }
  const m = store.models.active('classifier') ?? store.models.active('anomaly')
  if (!m) throw new ModelExportError('The project has no active model to export. Train one, or name a version: models export VERSION FILE.')
  return m
}
