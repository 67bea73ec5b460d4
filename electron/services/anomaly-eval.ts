import { readdir } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { basename, dirname, extname, join } from 'node:path'
import { decodeRgb, preprocessRgb, IMAGENET_MEAN, IMAGENET_STD, type Fit, type Roi } from '../imaging/preprocess'
import type { ProjectStore } from '../store/project-store'
import { auroc, rocCurve, type RocPoint } from '../engine/anomaly/threshold'
import { AnomalyModeError, anomalyModel, localAnomalyEngine, partitionForAnomaly, type AnomalyEngine } from './anomaly-service'

/**
 * Evaluation of a stored anomaly model (`defect-studio eval` for anomaly models):
 * - on the project: every labelled defect image, and the good images as calibration saw
 *   them: for a leave-own-out model (all good images in its bank) their stored scores
 *   against the bank without their own patches, otherwise the held-out good images;
 * - on an MVTec-style folder (`test/<good|defect kind>/*`, masks in
 *   `ground_truth/<defect kind>/<name>_mask.png`): image AUROC, and pixel AUROC over the
 *   anomaly maps when masks exist (masks go through the same resize/crop as the images,
 *   so map pixel and mask pixel show the same spot).
 * The threshold is the model's; falseRejectRate = good images scored ≥ threshold.
 */

export interface AnomalyEvaluation {
  modelVersion: number
  imageAuroc: number | null
  pixelAuroc?: number
  threshold: number | null
  falseRejectRate: number | null
  defectRecall: number | null
  goodImages: number
  defectImages: number
  maskImages?: number
  roc: RocPoint[] | null
  skipped: Array<{ image: string; reason: string }>
}

const IMAGE_EXT = new Set(['.png', '.jpg', '.jpeg', '.bmp', '.tif', '.tiff', '.webp'])

function summarise(goodScores: number[], defectScores: number[], threshold: number | null): Pick<AnomalyEvaluation, 'imageAuroc' | 'falseRejectRate' | 'defectRecall' | 'goodImages' | 'defectImages' | 'roc'> {
  const scores = [...goodScores, ...defectScores]
  const labels = [...goodScores.map(() => 0), ...defectScores.map(() => 1)]
  const both = goodScores.length > 0 && defectScores.length > 0
  return {
    imageAuroc: both ? auroc(scores, labels) : null,
    falseRejectRate: threshold !== null && goodScores.length > 0 ? goodScores.filter((s) => s >= threshold).length / goodScores.length : null,
    defectRecall: threshold !== null && defectScores.length > 0 ? defectScores.filter((s) => s >= threshold).length / defectScores.length : null,
    goodImages: goodScores.length,
    defectImages: defectScores.length,
    roc: both ? rocCurve(scores, labels) : null
  }
}

/** Evaluate on the project's held-out good images and labelled defect images. */
export async function evaluateAnomalyOnProject(store: ProjectStore, version?: number, engine: AnomalyEngine = localAnomalyEngine): Promise<AnomalyEvaluation> {
  const m = anomalyModel(store, version)
  const cfg = m.config as { size: number; fit: Fit; seed?: number; roi?: Roi; calibration?: string }
  const stored = (m.metrics as { calibrationScores?: unknown }).calibrationScores
  const ownOut = cfg.calibration === 'leave-own-out' && Array.isArray(stored) ? (stored as number[]) : null
  const part = partitionForAnomaly(store, cfg.seed ?? 0, ownOut ? 'leave-own-out' : 'held-out')
  // Scoring a good image the bank holds would give ~0: use its leave-own-out score instead.
  const ids = ownOut ? part.defects : [...part.calibration, ...part.defects]
  const goodCount = ownOut ? 0 : part.calibration.length
  const scored = await engine.score({
    onnx: new Uint8Array(store.models.onnx(m.version)),
    images: ids.map((id) => new Uint8Array(store.images.bytes(id).bytes)),
    size: cfg.size,
    fit: cfg.fit,
    ...(cfg.roi ? { roi: cfg.roi } : {})
  })
  const good = ownOut ?? scored.results.filter((r) => r.index < goodCount).map((r) => r.score)
  const defects = scored.results.filter((r) => r.index >= goodCount).map((r) => r.score)
  return {
    modelVersion: m.version,
    threshold: m.threshold,
    ...summarise(good, defects, m.threshold),
    skipped: scored.skipped.map((s) => ({ image: `image ${ids[s.index]}`, reason: s.reason }))
  }
}

/**
 * The category folder of an MVTec-style set, given it or its test/ or ground_truth/
 * subfolder: masks live in ground_truth/ beside test/, whichever of them the user named.
 */
export function mvtecRoot(given: string): string {
  const parent = dirname(given)
  const name = basename(given).toLowerCase()
  if ((name === 'test' || name === 'ground_truth') && existsSync(join(parent, 'test'))) return parent
  return given
}

/** Files of an MVTec-style folder: root/test/<class>/* (or root/<class>/* when there is no test/). */
export async function listMvtecTest(given: string): Promise<Array<{ path: string; good: boolean; maskPath?: string }>> {
  const root = mvtecRoot(given)
  const testDir = existsSync(join(root, 'test')) ? join(root, 'test') : root
  if (!existsSync(testDir)) throw new AnomalyModeError(`Folder ${root} does not exist; pass an MVTec-style folder with test/good and test/<defect> subfolders.`)
  const out: Array<{ path: string; good: boolean; maskPath?: string }> = []
  for (const entry of (await readdir(testDir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    if (!entry.isDirectory() || entry.name === 'ground_truth') continue
    const good = entry.name === 'good' || entry.name === 'ok'
    for (const f of (await readdir(join(testDir, entry.name))).sort()) {
      if (!IMAGE_EXT.has(extname(f).toLowerCase())) continue
      const maskPath = join(root, 'ground_truth', entry.name, `${basename(f, extname(f))}_mask.png`)
      out.push({ path: join(testDir, entry.name, f), good, ...(!good && existsSync(maskPath) ? { maskPath } : {}) })
    }
  }
  if (out.length === 0) throw new AnomalyModeError(`No images found under ${testDir}; expected test/good/*.png and test/<defect>/*.png.`)
  return out
}

/** A mask through the same geometry as its image: [S, S] of 0/1. */
async function maskAtInput(file: string, size: number, fit: Fit, roi?: Roi): Promise<Uint8Array> {
  const img = await decodeRgb(file)
  const { tensor } = preprocessRgb(img, { size, fit, ...(roi ? { roi } : {}) }, file)
  const out = new Uint8Array(size * size)
  for (let i = 0; i < out.length; i++) out[i] = tensor[i]! * IMAGENET_STD[0] + IMAGENET_MEAN[0] > 0.5 ? 1 : 0
  return out
}

/** Evaluate on an MVTec-style folder: image AUROC, and pixel AUROC when masks exist. */
export async function evaluateAnomalyOnFolder(store: ProjectStore, folder: string, version?: number, engine: AnomalyEngine = localAnomalyEngine): Promise<AnomalyEvaluation> {
  const m = anomalyModel(store, version)
  const cfg = m.config as { size: number; fit: Fit; roi?: Roi }
  const files = await listMvtecTest(folder)
  const wantMaps = files.some((f) => f.maskPath)
  const scored = await engine.score({ onnx: new Uint8Array(store.models.onnx(m.version)), images: files.map((f) => f.path), size: cfg.size, fit: cfg.fit, maps: wantMaps, ...(cfg.roi ? { roi: cfg.roi } : {}) })
  const good = scored.results.filter((r) => files[r.index]!.good).map((r) => r.score)
  const defects = scored.results.filter((r) => !files[r.index]!.good).map((r) => r.score)
  const skipped = scored.skipped.map((s) => ({ image: files[s.index]!.path, reason: s.reason }))
  const result: AnomalyEvaluation = { modelVersion: m.version, threshold: m.threshold, ...summarise(good, defects, m.threshold), skipped }
  if (wantMaps) {
    // Pixels of good images (all normal) and of defect images with a mask.
    const pixelScores: number[] = []
    const pixelLabels: number[] = []
    let maskImages = 0
    for (const r of scored.results) {
      const f = files[r.index]!
      if (!r.map || (!f.good && !f.maskPath)) continue
      let mask: Uint8Array | null = null
      if (f.maskPath) {
        try {
          mask = await maskAtInput(f.maskPath, cfg.size, cfg.fit, cfg.roi)
          maskImages++
        } catch (error) {
          skipped.push({ image: f.maskPath, reason: (error as Error).message })
          continue
        }
      }
      for (let i = 0; i < r.map.length; i++) {
        pixelScores.push(r.map[i]!)
        pixelLabels.push(mask ? mask[i]! : 0)
      }
    }
    const value = auroc(pixelScores, pixelLabels)
    if (Number.isFinite(value)) result.pixelAuroc = value
    result.maskImages = maskImages
  }
  return result
}
