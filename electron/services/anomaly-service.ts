import type { EmitEvent, EventPayload } from '../../shared/contract/index'
import type { Fit, Roi } from '../imaging/preprocess'
import type { ProjectStore } from '../store/project-store'
import type { ModelVersion } from '../store/repositories/models-repo'
import type { TensorMap } from '../engine/tensor'
import type { ProviderRequest } from '../engine/infer/sessions'
import { resolveStartingBackbone } from '../engine/models/starting-backbone'
import { backboneDirs } from './app-info'
import { createRng } from '../engine/train/rng'
import { coresetSize } from '../engine/anomaly/coreset'
import { PATCHCORE_DEFAULTS, type PatchCoreProgress } from '../engine/anomaly/patchcore'
import { fitFromImages, scoreFromImages, type FitFromImagesRequest, type FitFromImagesResult, type ImageInput, type ScoreFromImagesRequest, type ScoreFromImagesResult } from '../engine/anomaly/image-jobs'
import type { EngineCaller } from '../engine/worker-host'
import { auroc, calibrateThreshold, f1BestThreshold, rocCurve, type Calibration, type RocPoint } from '../engine/anomaly/threshold'
import type { AnomalyDonePayload } from '../../shared/contract/anomaly'
import { UserFacingError } from './errors'
import { readProjectSetting } from '../../shared/contract/settings'

/**
 * Anomaly mode (PatchCore) for a project: learn from images labelled good only, calibrate
 * the pass/fail threshold on held-out good images for the false-reject rate the user asks
 * for, and store the result as a model version of kind 'anomaly' (activation, rollback and
 * `info` work as for classifiers).
 *
 * Storage: the model row's `onnx` is the complete anomaly model (backbone, PatchCore head
 * and memory bank in one graph: input 'input' [N, 3, S, S] → 'score' [N], 'patch_scores',
 * 'anomaly_map' [N, 1, S, S]), so inspection, packages and GPU providers need nothing
 * else; `weights` holds the memory bank as safetensors for tools that want it raw.
 *
 * Which images (calibration 'leave-own-out', the default): EVERY good image builds the
 * memory bank, and the threshold is calibrated on each good image's score against the bank
 * without its own patches (engine/anomaly/leave-own-out.ts), i.e. as if it were unseen.
 * Those scores are kept with the model version so the FRR setting can re-calibrate
 * without scoring again. 'held-out' (the earlier behaviour, kept for comparison): good
 * images in the train split build the bank, good images in the val split calibrate (when
 * fewer than MIN_CALIBRATION are there, a seeded 20 % of the train-split good images is
 * held out instead). Defect images are never learnt from; when labelled (any split) they
 * give the ROC curve, AUROC, F1-best threshold and the defect recall at the threshold.
 */

/** A problem with the project's data or options for anomaly mode; the message says what to do. */
export class AnomalyModeError extends UserFacingError {
  constructor(message: string) {
    super('failed', message)
    this.name = 'AnomalyModeError'
  }
}

/** Setting keys (shared with classifier training: one preprocessing per project). */
export const SETTING_SIZE = 'training.size'
export const SETTING_FIT = 'training.fit'
/** The false-reject rate asked for last time (the training screen's FRR setting). */
export const SETTING_TARGET_FRR = 'anomaly.targetFrr'
export const SETTING_CORESET = 'anomaly.coresetFraction'

export const ANOMALY_DEFAULTS = { size: 224, fit: 'whole' as Fit, targetFrr: 0.01, coresetFraction: PATCHCORE_DEFAULTS.coresetFraction, seed: 0 }
/** Fewest held-out good images the val split must have before it alone calibrates. */
export const MIN_CALIBRATION = 10
/** AUROC may be this much lower than the active model's on the same images and still activate. */
export const AUROC_TOLERANCE = 0.005

/** Where fitting and scoring run: in this process, or the engine worker (workerAnomalyEngine). */
export interface AnomalyEngine {
  fit(req: FitFromImagesRequest, onProgress?: (p: PatchCoreProgress) => void): Promise<FitFromImagesResult>
  score(req: ScoreFromImagesRequest): Promise<ScoreFromImagesResult>
}

export const localAnomalyEngine: AnomalyEngine = {
  fit: (req, onProgress) => fitFromImages(req, onProgress),
  score: (req) => scoreFromImages(req)
}

/** The engine worker's 'anomaly:fit' / 'anomaly:score' behind the same interface. */
export function workerAnomalyEngine(host: EngineCaller): AnomalyEngine {
  return {
    fit: (req, onProgress) => host.call('anomaly:fit', req, onProgress ? { onProgress } : {}),
    score: (req) => host.call('anomaly:score', req)
  }
}

export interface AnomalyTrainOptions {
  /** Fraction of patch embeddings kept in the memory bank. */
  coresetFraction?: number
  /** False-reject rate the threshold is calibrated for (0.005 = 0.5 %). */
  targetFrr?: number
  size?: number
  fit?: Fit
  roi?: Roi
  seed?: number
  /** Use these ResNet18 weights (torchvision names) instead of the app's backbone. */
  backbone?: { weights: TensorMap; id: string }
  /** Random-initialised backbone of this width instead (reduced models for tests/benches). */
  width?: number
  embeddingDim?: number
  maxPatches?: number
  provider?: ProviderRequest
  /** 'auto' (default): activate unless the active anomaly model separates defects better. */
  activate?: 'auto' | 'always' | 'never'
  /** How the threshold is calibrated (see the file comment); default 'leave-own-out'. */
  calibration?: AnomalyCalibrationMode
  engine?: AnomalyEngine
  onProgress?: (p: { phase: string; done: number; total: number }) => void
}

export type AnomalyCalibrationMode = 'leave-own-out' | 'held-out'

export interface AnomalyMetrics {
  /** How the threshold was calibrated. */
  calibrationMode: AnomalyCalibrationMode
  /** Defect images scored at or above the threshold, and how many were scored (null without defects). */
  defectsCaught: number | null
  /** The good images' calibration scores (leave-own-out), so another FRR needs no scoring pass. */
  calibrationScores?: number[]
  /** null without labelled defect images. */
  imageAuroc: number | null
  falseRejectRate: number
  /** Defect images scored at or above the threshold (null without defects). */
  defectRecall: number | null
  targetFrr: number
  calibration: Calibration
  roc: RocPoint[] | null
  f1Best: { threshold: number; f1: number; precision: number; recall: number } | null
  bankSize: number
  coresetFraction: number
  fitImages: number
  calibrationImages: number
  defectImages: number
  patchesSeen: number
  patchesUsed: number
  fitSeconds: number
  backbone: string
  skipped: Array<{ imageId: number; reason: string }>
}

export interface AnomalyTrainResult {
  modelVersion: number
  activated: boolean
  activationReason: string
  threshold: number
  metrics: AnomalyMetrics
  warnings: string[]
}

interface Partition {
  fit: number[]
  calibration: number[]
  defects: number[]
}

/** Split the project's labelled images for anomaly training (see the file comment). */
export function partitionForAnomaly(store: ProjectStore, seed: number, mode: AnomalyCalibrationMode = 'leave-own-out'): Partition {
  const good = new Set(store.classes.list().filter((c) => c.isGood).map((c) => c.id))
  if (good.size === 0) throw new AnomalyModeError('The project has no good class. Mark a class as good (e.g. "ok") and label good images with it.')
  const labelled = store.images.listLabelled()
  const defects = labelled.filter((l) => !good.has(l.classId)).map((l) => l.id)
  if (mode === 'leave-own-out') {
    const all = labelled.filter((l) => good.has(l.classId)).map((l) => l.id)
    if (all.length < 2) throw new AnomalyModeError(`Anomaly training needs at least 2 images labelled good (each is scored against the others to set the threshold); the project has ${all.length}. Label more good images.`)
    return { fit: all, calibration: all, defects }
  }
  const goodTrain = labelled.filter((l) => good.has(l.classId) && l.split !== 'val').map((l) => l.id)
  let calibration = labelled.filter((l) => good.has(l.classId) && l.split === 'val').map((l) => l.id)
  let fit = goodTrain
  if (calibration.length < MIN_CALIBRATION) {
    const rng = createRng(seed ^ 0xca1b)
    const shuffled = [...goodTrain]
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = rng.int(i + 1)
      ;[shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!]
    }
    const hold = Math.min(Math.max(MIN_CALIBRATION - calibration.length, Math.round(goodTrain.length * 0.2)), goodTrain.length - 1)
    const held = new Set(shuffled.slice(0, Math.max(0, hold)))
    calibration = [...calibration, ...held]
    fit = goodTrain.filter((id) => !held.has(id))
  }
  if (fit.length === 0 || calibration.length === 0) {
    throw new AnomalyModeError(`Anomaly training needs at least 2 images labelled good (one to learn from, one to set the threshold); the project has ${goodTrain.length + calibration.length}. Label more good images.`)
  }
  return { fit, calibration, defects }
}

async function backboneWeights(opts: AnomalyTrainOptions, seed: number): Promise<{ weights: TensorMap; id: string; warning?: string }> {
  if (opts.backbone) return opts.backbone
  return resolveStartingBackbone({ seed, width: opts.width, dirs: backboneDirs() })
}

function imageBytes(store: ProjectStore, ids: number[]): ImageInput[] {
  return ids.map((id) => new Uint8Array(store.images.bytes(id).bytes))
}

/** Fit, calibrate, evaluate and store a new anomaly model version. */
export async function trainAnomalyModel(store: ProjectStore, opts: AnomalyTrainOptions = {}): Promise<AnomalyTrainResult> {
  const seed = opts.seed ?? ANOMALY_DEFAULTS.seed
  // Through the settings' schemas (shared/contract/settings.ts): a stored value that no longer fits is ignored.
  const setting = <K extends 'training.size' | 'training.fit' | 'anomaly.targetFrr' | 'anomaly.coresetFraction'>(key: K) => readProjectSetting(key, store.settings.get<unknown>(key, null))
  const size = opts.size ?? setting(SETTING_SIZE) ?? ANOMALY_DEFAULTS.size
  const fit = opts.fit ?? setting(SETTING_FIT) ?? ANOMALY_DEFAULTS.fit
  const targetFrr = opts.targetFrr ?? setting(SETTING_TARGET_FRR) ?? ANOMALY_DEFAULTS.targetFrr
  const coresetFraction = opts.coresetFraction ?? setting(SETTING_CORESET) ?? ANOMALY_DEFAULTS.coresetFraction
  if (!(targetFrr > 0 && targetFrr < 1)) throw new AnomalyModeError(`Target false-reject rate must be between 0 and 1 (e.g. 0.005 for 0.5 %), got ${targetFrr}.`)
  coresetSize(1, coresetFraction) // validates the fraction with a clear message
  const engine = opts.engine ?? localAnomalyEngine
  const calibrationMode: AnomalyCalibrationMode = opts.calibration ?? 'leave-own-out'
  const part = partitionForAnomaly(store, seed, calibrationMode)
  const backbone = await backboneWeights(opts, seed)
  const warnings: string[] = backbone.warning ? [backbone.warning] : []
  const t0 = performance.now()
  const fitted = await engine.fit(
    {
      images: imageBytes(store, part.fit),
      size,
      fit,
      ...(opts.roi ? { roi: opts.roi } : {}),
      weights: backbone.weights,
      options: {
        coresetFraction,
        seed,
        ...(opts.embeddingDim ? { embeddingDim: opts.embeddingDim } : {}),
        ...(opts.maxPatches ? { maxPatches: opts.maxPatches } : {}),
        ...(opts.provider ? { provider: opts.provider } : {}),
        ...(calibrationMode === 'leave-own-out' ? { leaveOwnOut: true } : {})
      }
    },
    opts.onProgress
  )
  const fitSeconds = (performance.now() - t0) / 1000
  const skipped = fitted.skipped.map((s) => ({ imageId: part.fit[s.index]!, reason: s.reason }))

  // Calibration and evaluation: the good images' leave-own-out scores from the fit (or one
  // scoring pass over the held-out good images), and one pass over the defect images.
  const evalIds = calibrationMode === 'leave-own-out' ? part.defects : [...part.calibration, ...part.defects]
  opts.onProgress?.({ phase: 'calibration', done: 0, total: evalIds.length })
  const scored = evalIds.length > 0 ? await engine.score({ onnx: fitted.onnx, images: imageBytes(store, evalIds), size, fit, ...(opts.roi ? { roi: opts.roi } : {}), ...(opts.provider ? { provider: opts.provider } : {}) }) : { results: [], skipped: [] }
  skipped.push(...scored.skipped.map((s) => ({ imageId: evalIds[s.index]!, reason: s.reason })))
  const goodScores: number[] = []
  const defectScores: number[] = []
  if (calibrationMode === 'leave-own-out') {
    for (const v of fitted.ownOutScores ?? []) if (v !== null && Number.isFinite(v)) goodScores.push(v)
    for (const r of scored.results) defectScores.push(r.score)
  } else {
    for (const r of scored.results) (r.index < part.calibration.length ? goodScores : defectScores).push(r.score)
  }
  if (goodScores.length === 0) throw new AnomalyModeError('None of the good images could be scored for calibration; check the skipped images and train again.')
  const calibration = calibrateThreshold(goodScores, targetFrr)
  if (calibration.warning) warnings.push(calibration.warning)
  const withDefects = defectScores.length > 0
  const allScores = [...goodScores, ...defectScores]
  const labels = [...goodScores.map(() => 0), ...defectScores.map(() => 1)]
  const caught = defectScores.filter((v) => v >= calibration.threshold).length
  const metrics: AnomalyMetrics = {
    calibrationMode,
    defectsCaught: withDefects ? caught : null,
    ...(calibrationMode === 'leave-own-out' ? { calibrationScores: goodScores } : {}),
    imageAuroc: withDefects ? auroc(allScores, labels) : null,
    falseRejectRate: calibration.calibrationFrr,
    defectRecall: withDefects ? caught / defectScores.length : null,
    targetFrr,
    calibration,
    roc: withDefects ? rocCurve(allScores, labels) : null,
    f1Best: withDefects ? (f1BestThreshold(allScores, labels) ?? null) : null,
    bankSize: fitted.stats.bankSize,
    coresetFraction,
    fitImages: fitted.stats.images,
    calibrationImages: goodScores.length,
    defectImages: defectScores.length,
    patchesSeen: fitted.stats.patchesSeen,
    patchesUsed: fitted.stats.patchesUsed,
    fitSeconds,
    backbone: backbone.id,
    skipped
  }
  if (skipped.length > 0) warnings.push(`${skipped.length} image(s) could not be read and were skipped (see metrics.skipped).`)

  // Never worse (anomaly form): with defects labelled, the active anomaly model is scored on
  // the same images and keeps its place if it separates them clearly better.
  const active = store.models.active('anomaly')
  let activate = opts.activate !== 'never'
  let activationReason = opts.activate === 'never' ? 'not activated (--no-activate)' : active ? '' : 'first anomaly model of the project'
  if (opts.activate !== 'always' && opts.activate !== 'never' && active) {
    if (!withDefects) {
      activationReason = 'no defect images labelled to compare with the active model; the new threshold is calibrated on good images'
    } else {
      const cfg = active.config as { size?: number; fit?: Fit }
      // The same good and defect images. (Leave-own-out: the active model may have learnt
      // these good images itself, which only flatters it — the new one must still beat it.)
      const compareIds = [...part.calibration, ...part.defects]
      const previous = await engine.score({ onnx: new Uint8Array(store.models.onnx(active.version)), images: imageBytes(store, compareIds), size: cfg.size ?? size, fit: cfg.fit ?? fit })
      const prevScores = previous.results.map((r) => r.score)
      const prevLabels = previous.results.map((r) => (r.index < part.calibration.length ? 0 : 1))
      const prevAuroc = auroc(prevScores, prevLabels)
      activate = !(prevAuroc > metrics.imageAuroc! + AUROC_TOLERANCE)
      activationReason = activate
        ? `image AUROC ${metrics.imageAuroc!.toFixed(4)} vs active v${active.version} ${prevAuroc.toFixed(4)} on the same images`
        : `kept v${active.version}: its image AUROC ${prevAuroc.toFixed(4)} beats ${metrics.imageAuroc!.toFixed(4)} on the same images`
    }
  }

  const row = store.models.add({
    kind: 'anomaly',
    architecture: `patchcore-resnet18@${widthOf(backbone.weights)}-layer2+3`,
    classes: ['good', 'anomaly'],
    onnx: fitted.onnx,
    weights: fitted.bank,
    metrics: { ...metrics },
    config: { mode: 'anomaly', size, fit, ...(opts.roi ? { roi: opts.roi } : {}), coresetFraction, targetFrr, seed, calibration: calibrationMode, backbone: backbone.id, sigma: PATCHCORE_DEFAULTS.sigma, outputs: { score: 'score', patchScores: 'patch_scores', anomalyMap: 'anomaly_map' }, failWhen: 'score >= threshold' },
    dataFingerprint: store.labels.fingerprint(),
    threshold: calibration.threshold,
    activate
  })
  store.settings.set(SETTING_TARGET_FRR, targetFrr)
  return { modelVersion: row.version, activated: row.active, activationReason, threshold: calibration.threshold, metrics, warnings }
}

function widthOf(weights: TensorMap): number {
  return (weights.get('conv1.weight')?.shape[0] ?? 64) / 64
}

/** The anomaly model to use: a given version (checked to be an anomaly model) or the active one. */
export function anomalyModel(store: ProjectStore, version?: number): ModelVersion {
  if (version !== undefined) {
    const m = store.models.get(version)
    if (m.kind !== 'anomaly') throw new AnomalyModeError(`Model version ${version} is a ${m.kind}, not an anomaly model; pass an anomaly model's version.`)
    return m
  }
  const m = store.models.active('anomaly')
  if (!m) throw new AnomalyModeError('The project has no active anomaly model; train one with `train --mode anomaly`.')
  return m
}

/**
 * Re-calibrate a stored anomaly model for another false-reject rate on the project's
 * held-out good images (the training screen's FRR setting), storing the new threshold.
 */
export async function recalibrateAnomalyModel(store: ProjectStore, version: number, targetFrr: number, engine: AnomalyEngine = localAnomalyEngine): Promise<Calibration> {
  const m = anomalyModel(store, version)
  const cfg = m.config as { size: number; fit: Fit; seed?: number; roi?: Roi }
  const stored = (m.metrics as { calibrationScores?: unknown }).calibrationScores
  let scores: number[]
  if (Array.isArray(stored) && stored.length > 0 && stored.every((v) => typeof v === 'number')) {
    // Leave-own-out scores kept with the version: re-reading the threshold needs no scoring.
    scores = stored as number[]
  } else {
    const part = partitionForAnomaly(store, cfg.seed ?? 0, 'held-out')
    const scored = await engine.score({ onnx: new Uint8Array(store.models.onnx(m.version)), images: imageBytes(store, part.calibration), size: cfg.size, fit: cfg.fit, ...(cfg.roi ? { roi: cfg.roi } : {}) })
    scores = scored.results.map((r) => r.score)
  }
  const calibration = calibrateThreshold(scores, targetFrr)
  store.models.setThreshold(m.version, calibration.threshold)
  store.settings.set(SETTING_TARGET_FRR, targetFrr)
  return calibration
}

export interface AnomalyServiceDeps {
  /** The open project (throws NoProjectError when none). */
  project: () => ProjectStore
  emit: EmitEvent
  /** The engine worker in the app (workerAnomalyEngine); in-process when omitted. */
  engine?: AnomalyEngine
  /** Options added to every fit (tests: a reduced width and input size). */
  defaults?: Partial<Omit<AnomalyTrainOptions, 'engine' | 'onProgress'>>
}

/** The app-facing service behind the `anomaly:*` channels: one fit at a time, events for progress and result. */
export class AnomalyService {
  private state: 'idle' | 'training' | 'done' | 'error' = 'idle'
  private last: AnomalyDonePayload | null = null
  /** The project file the last fit belonged to: its result is shown only while that project is open. */
  private lastFile: string | null = null
  private fitFile: string | null = null
  private job: Promise<void> | null = null

  constructor(private readonly deps: AnomalyServiceDeps) {}

  /** Where fits and scoring run (the engine worker in the app). */
  get engine(): AnomalyEngine {
    return this.deps.engine ?? localAnomalyEngine
  }

  /** Start a fit; the result arrives as 'anomaly:done'. */
  train(request: Pick<AnomalyTrainOptions, 'coresetFraction' | 'targetFrr' | 'size' | 'fit' | 'seed'>): { started: boolean } {
    if (this.state === 'training') throw new UserFacingError('conflict', 'An anomaly model is already being fitted. Wait for it to finish.')
    const store = this.deps.project()
    this.state = 'training'
    this.fitFile = store.file
    this.job = trainAnomalyModel(store, {
      ...this.deps.defaults,
      ...Object.fromEntries(Object.entries(request).filter(([, v]) => v !== undefined)),
      ...(this.deps.engine ? { engine: this.deps.engine } : {}),
      onProgress: (p) => this.emitForFitProject('anomaly:progress', p)
    })
      .then((r) =>
        this.finish({
          status: 'done',
          modelVersion: r.modelVersion,
          activated: r.activated,
          reason: r.activationReason,
          threshold: r.threshold,
          imageAuroc: r.metrics.imageAuroc,
          falseRejectRate: r.metrics.falseRejectRate,
          defectRecall: r.metrics.defectRecall,
          bankSize: r.metrics.bankSize,
          roc: r.metrics.roc,
          calibration: r.metrics.calibration,
          warnings: r.warnings
        })
      )
      .catch((error: unknown) => {
        const message = error instanceof Error ? error.message.split('\n')[0]! : String(error)
        this.finish({ status: 'failed', modelVersion: null, activated: false, reason: message, threshold: null, imageAuroc: null, falseRejectRate: null, defectRecall: null, bankSize: null, roc: null, calibration: null, warnings: [] })
      })
    return { started: true }
  }

  private finish(done: AnomalyDonePayload): void {
    this.last = done
    this.lastFile = this.fitFile
    this.state = done.status === 'done' ? 'done' : 'error'
    this.emitForFitProject('anomaly:done', done)
  }

  /** A fit keeps going when another project is opened, but only its own project's screens hear of it. */
  private emitForFitProject<E extends 'anomaly:progress' | 'anomaly:done'>(event: E, payload: EventPayload<E>): void {
    if (this.fitFile === openFile(this.deps.project)) this.deps.emit(event, payload)
  }

  /** Resolves when the current fit (if any) has ended. */
  async idle(): Promise<void> {
    await this.job
  }

  status(): { state: 'idle' | 'training' | 'done' | 'error'; last: AnomalyDonePayload | null; busyElsewhere?: { projectPath: string } } {
    const open = openFile(this.deps.project)
    // A fit of another project is going: it holds the engine, but it is not this project's.
    if (this.state === 'training' && this.fitFile !== open) return { state: 'idle', last: null, busyElsewhere: { projectPath: this.fitFile! } }
    // Another project is open than the one the last fit used: that result is not its.
    if (this.state !== 'training' && this.lastFile !== null && this.lastFile !== open) return { state: 'idle', last: null }
    return { state: this.state, last: this.last }
  }

  recalibrate(version: number, targetFrr: number): Promise<Calibration> {
    return recalibrateAnomalyModel(this.deps.project(), version, targetFrr, this.deps.engine)
  }
}

/** The open project's file, or null when none is open. */
function openFile(project: () => { file: string }): string | null {
  try {
    return project().file
  } catch {
    return null
  }
}
