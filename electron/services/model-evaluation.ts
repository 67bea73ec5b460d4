import { existsSync } from 'node:fs'
import { readdir, readFile, stat } from 'node:fs/promises'
import { extname, join } from 'node:path'
import type { ProjectStore } from '../store/project-store'
import type { ModelVersion } from '../store/repositories/models-repo'
import type { Fit } from '../imaging/preprocess'
import type { ProviderRequest } from '../engine/infer/sessions'
import { evaluateModel, PreprocessedSet, type EvalSample } from '../engine/train/evaluate'
import type { ClassificationMetrics } from '../engine/train/metrics'
import { projectDataset } from './training-data'
import { NotFoundError, UserFacingError } from './errors'
import { modelWarnings, passFailFromLogits } from '../engine/train/pass-fail'
import type { OperatingPointDto, PassFailMetricsDto } from '../../shared/contract/training'
import { readProjectSetting } from '../../shared/contract/settings'
import { goodClassOf, NoGoodClassError, SETTING_INSPECTION } from './inspection/models-info'
import { effectiveThreshold } from './inspection/verdict'

/**
 * Evaluate a stored classifier version (the active one by default) on the project's
 * validation split, or on a folder laid out by class (`DIR/<class>/*`, or `DIR/val/<class>/*`
 * when DIR is an imagefolder tree). Class folders are matched to the model's classes by
 * name, ignoring case; anything else is reported as skipped, never guessed.
 */

const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg', '.bmp', '.tif', '.tiff', '.webp'])

export interface EvaluationReport extends ClassificationMetrics, PassFailMetricsDto {
  /** Why this version should not be trusted (engine/train/pass-fail.ts). */
  warnings: string[]
  modelVersion: number
  source: string
  skipped: Array<{ file: string; reason: string }>
  /** Where `threshold` comes from: the project's override, the version's operating point, or the 0.5 default. */
  thresholdSource: 'override' | 'model' | 'default'
}

export function classifierVersion(store: ProjectStore, version?: number): ModelVersion {
  if (version !== undefined) {
    const m = store.models.list().find((v) => v.version === version)
    if (!m) throw new NotFoundError(`Model version ${version}`)
    if (m.kind !== 'classifier') throw new UserFacingError('failed', `Model version ${version} is an ${m.kind} model; evaluate a classifier version.`)
    return m
  }
  const active = store.models.active('classifier')
  if (!active) throw new UserFacingError('not-found', 'The project has no active classifier. Train one first (defect-studio train).')
  return active
}

async function folderSamples(dir: string, classes: string[]): Promise<{ samples: EvalSample[]; skipped: Array<{ file: string; reason: string }> }> {
  if (!existsSync(dir) || !(await stat(dir)).isDirectory()) throw new UserFacingError('not-found', `"${dir}" is not a folder. Give a folder with one subfolder per class.`)
  const root = existsSync(join(dir, 'val')) && (await stat(join(dir, 'val'))).isDirectory() ? join(dir, 'val') : dir
  const byName = new Map(classes.map((c, i) => [c.toLowerCase(), i]))
  const samples: EvalSample[] = []
  const skipped: Array<{ file: string; reason: string }> = []
  for (const entry of (await readdir(root, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    if (!entry.isDirectory()) continue
    const label = byName.get(entry.name.toLowerCase())
    const folder = join(root, entry.name)
    if (label === undefined) {
      skipped.push({ file: folder, reason: `class "${entry.name}" is not one of the model's classes (${classes.join(', ')})` })
      continue
    }
    for (const f of (await readdir(folder)).sort()) {
      const file = join(folder, f)
      if (!IMAGE_EXTENSIONS.has(extname(f).toLowerCase())) continue
      samples.push({ key: file, label, load: async () => new Uint8Array(await readFile(file)) })
    }
  }
  if (samples.length === 0) throw new UserFacingError('not-found', `No images of the model's classes (${classes.join(', ')}) under "${root}". Lay images out as ${root}/<class>/<image>.`)
  return { samples, skipped }
}

export async function evaluateVersion(
  store: ProjectStore,
  opts: { version?: number; fromDir?: string; provider?: ProviderRequest; threads?: number } = {}
): Promise<EvaluationReport> {
  const model = classifierVersion(store, opts.version)
  const classes = model.classes
  let samples: EvalSample[]
  let skipped: Array<{ file: string; reason: string }> = []
  let source: string
  if (opts.fromDir) {
    ;({ samples, skipped } = await folderSamples(opts.fromDir, classes))
    source = opts.fromDir
  } else {
    const data = projectDataset(store)
    const index = new Map(classes.map((c, i) => [c.toLowerCase(), i]))
    samples = []
    for (const s of data.val) {
      const name = data.classes[s.label]!
      const label = index.get(name.toLowerCase())
      if (label === undefined) skipped.push({ file: s.key, reason: `class "${name}" is not one of the model's classes` })
      else samples.push({ ...s, label })
    }
    if (samples.length === 0) throw new UserFacingError('not-found', 'The validation split has no images of the model\'s classes. Label validation images, or pass --from DIR.')
    source = 'validation split'
  }
  // The good class as inspection sees it: the model's own, else the project's (marked later).
  const goodName = goodClassName(store, model)
  const goodIdx = goodName === null ? -1 : classes.indexOf(goodName)
  const size = Number(model.config.size ?? 224)
  const fit: Fit = model.config.fit === 'crop' ? 'crop' : 'whole'
  const result = await evaluateModel(new Uint8Array(store.models.onnx(model.version)), new PreprocessedSet(samples, size, fit), classes, goodIdx >= 0 ? goodIdx : null, {
    provider: opts.provider,
    threads: opts.threads
  })
  const override = readProjectSetting('inspection', store.settings.get<unknown>(SETTING_INSPECTION, null))?.thresholdOverride ?? null
  const threshold = effectiveThreshold(model.threshold, override)
  const passFail = passFailFromLogits(result.logits, samples.map((s) => s.label), classes.length, goodIdx >= 0 ? goodIdx : null, threshold)
  const warnings = modelWarnings(result.metrics, passFail, goodName)
  const thresholdSource = override !== null ? 'override' : model.threshold !== null ? 'model' : 'default'
  // The choice stored with the version (its validation counts at training time), for comparison.
  const stored = model.metrics.operatingPoint
  const operatingPoint = stored && typeof stored === 'object' ? (stored as OperatingPointDto) : null
  return { modelVersion: model.version, source, skipped, ...result.metrics, ...passFail, operatingPoint, thresholdSource, warnings }
}

function goodClassName(store: ProjectStore, model: ModelVersion): string | null {
  try {
    return goodClassOf(store, model)
  } catch (error) {
    if (error instanceof NoGoodClassError) return null
    throw error
  }
}
