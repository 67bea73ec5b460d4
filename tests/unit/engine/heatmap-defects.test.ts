import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import { generateSyntheticSet, type SyntheticFile } from '../../support/synthetic-defects'
import { createProject, type ProjectStore } from '../../../electron/store/project-store'
import { importImages } from '../../../electron/services/import-service'
import { runTrainingJob, type TrainJobOptions } from '../../../electron/engine/train/training-job'
import { projectTrainingData } from '../../../electron/services/training-data'
import { readSafetensors } from '../../../electron/engine/models/safetensors'
import { Predictor } from '../../../electron/engine/infer/predictor'
import { camToImageHeatmap, normaliseCam } from '../../../electron/engine/infer/heatmap'
import { preprocessImage } from '../../../electron/imaging/preprocess'

/**
 * docs/decisions.md, Test data stands in for the real thing: "on synthetic defects, peak
 * inside the defect mask for most images" (the PyTorch-parity half is heatmap.test.ts).
 *
 * A reduced ResNet18 (width 0.25) is trained from random initialisation with the app's own
 * trainer on generated 128×128 images (input 128 → layer4 is 4×4), then, for held-out
 * defect images generated with another seed (never imported, never trained on), the CAM
 * of the image's true defect class is computed with the app's Predictor +
 * camToImageHeatmap and its peak (original image pixels) is checked against the
 * generator's defect mask (see HALF_CELL for what "inside" means on a 4×4 grid).
 *
 * Stated result (measured when this test was written, 2 threads, ~55 s for the file):
 * training seed 5 → 0.95 of the 60 held-out images have the peak within half a cell of
 * the defect (spot 19/20, dent 18/20, scratch 20/20), against 0.244 for a peak put in a
 * random cell; 0.40 have the peak on a mask pixel itself. Training seed 6 gave 0.83. With
 * 12 epochs the figure was 0.68–0.88, hence 16. Asserted: ≥ 0.6 and ≥ 2× the random-cell
 * rate, so a CAM that ignores the defect (or a flat map, whose peak is the top-left pixel)
 * fails.
 *
 * Observed while writing this: the peaks sit, on average, about half a cell right of and
 * below the defect. The upsampling follows F.interpolate(align_corners=False) (parity
 * with PyTorch, docs/decisions.md, PyTorch parity), which puts layer4 cell j at input pixel 32j + 16, while in
 * torchvision's ResNet (every stride-2 conv/pool padded symmetrically) cell j is centred
 * on input pixel 32j. That shift is what the half-cell allowance also absorbs.
 */

const SIDE = 128
const DEFECTS = ['spot', 'dent', 'scratch'] as const

const TRAIN: TrainJobOptions = {
  mode: 'full',
  // The recipe spelt out below, on top of the seed preset (as before the auto recipe).
  recipe: 'seed',
  width: 0.25,
  size: SIDE,
  batch: 16,
  epochs: 16,
  freeze: 'none', // random initialisation: every layer has to learn
  optimizer: 'adamw',
  lr: 0.003,
  schedule: 'cosine',
  seed: 5,
  fit: 'whole', // the whole image is seen, so the defect is never cropped away
  threads: 2,
  patience: 0,
  augment: { randomResizedCrop: false, rotationDegrees: 0 }
}

/**
 * Why the mask is grown by half a cell, not by "a few pixels": at input 128 layer4 is a
 * 4×4 grid of 32×32-pixel cells, and the maximum of a bilinear upsampling always sits on a
 * cell centre (16, 48, 80 or 112 here; in the top row or left column it can also land on
 * the image border, where the upsampling is clamped flat). So the peak can only name a cell; "the peak lies
 * in the defect" at this resolution means "the peak's cell reaches the defect", i.e. the
 * mask is within half a cell (16 px, Chebyshev) of the peak. The same distance is measured
 * for every cell centre of the image, which gives the hit rate of a peak put in a random
 * cell; the test asserts the trained CAM is well above that chance level.
 */
const CELL = SIDE / 4
const HALF_CELL = CELL / 2

/** Chebyshev distance (pixels) from (x, y) to the nearest mask pixel. mask: [H, W] uint8, >127 = defect. */
function distanceToMask(mask: Uint8Array, width: number, height: number, x: number, y: number): number {
  const px = Math.min(width - 1, Math.floor(x))
  const py = Math.min(height - 1, Math.floor(y))
  let best = Infinity
  for (let i = 0; i < mask.length; i++) {
    if (mask[i]! <= 127) continue
    best = Math.min(best, Math.max(Math.abs((i % width) - px), Math.abs(Math.floor(i / width) - py)))
  }
  return best
}

async function readMask(file: string): Promise<{ data: Uint8Array; width: number; height: number }> {
  const { data, info } = await sharp(file).greyscale().raw().toBuffer({ resolveWithObject: true })
  return { data: new Uint8Array(data.buffer, data.byteOffset, info.width * info.height), width: info.width, height: info.height }
}

describe('CAM heatmaps on synthetic defects', () => {
  let dir: string
  let store: ProjectStore
  let heldOut: SyntheticFile[]

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ds-heatmap-defects-'))
    process.env.DEFECT_STUDIO_DATA_DIR = join(dir, 'appdata')
    const trainRoot = join(dir, 'train')
    await generateSyntheticSet({ root: trainRoot, seed: 11, counts: { ok: 60, spot: 40, dent: 40, scratch: 40 }, width: SIDE, height: SIDE, layout: 'imagefolder', colour: 'mixed' })
    store = createProject(join(dir, 'heatmap.dsproj'))
    const report = await importImages(store, { kind: 'folder', folder: trainRoot })
    if (report.rejected.length > 0 || report.imported === 0) throw new Error(`import failed: ${JSON.stringify(report.rejected.slice(0, 3))}`)
    // Held-out defect images with their masks (masks land in `${root}.masks/`).
    const testRoot = join(dir, 'test')
    const set = await generateSyntheticSet({ root: testRoot, seed: 12, counts: { spot: 20, dent: 20, scratch: 20 }, width: SIDE, height: SIDE, layout: 'flat', colour: 'mixed', masks: true })
    heldOut = set.files
  }, 60_000)

  afterAll(async () => {
    store?.close()
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it('puts the peak of the true class CAM inside the defect mask for most held-out images', async () => {
    const outcome = await runTrainingJob(projectTrainingData(store), TRAIN)
    expect(outcome.status).toBe('done')
    const version = outcome.modelVersion!
    const model = store.models.get(version)
    const blob = store.models.weights(version)
    if (!blob) throw new Error(`model ${version} has no weights`)
    const weights = readSafetensors(new Uint8Array(blob))
    const classes = model.classes
    const predictor = await Predictor.create({ weights, numClasses: classes.length, width: 0.25, size: SIDE, heatmap: true, threads: 2 })
    try {
      // Per image: distance from the peak to the mask, and from each cell centre to the mask.
      const rows: Array<{ className: string; peak: number; centres: number[] }> = []
      let correct = 0
      for (const file of heldOut) {
        const k = classes.indexOf(file.className)
        expect(k).toBeGreaterThanOrEqual(0)
        const pre = await preprocessImage(file.path, { size: SIDE, fit: 'whole' })
        const out = await predictor.runBatch(pre.tensor, 1)
        // layer4: [1, F, 4, 4]
        const [, F, h, w] = out.layer4!.dims as [number, number, number, number]
        expect([h, w]).toEqual([4, 4])
        if (predictor.toPrediction(out.logits, out.probabilities, 0).class === k) correct++
        // CAM of the true defect class, so a misclassified image still counts (as a hit or a miss).
        const cam = normaliseCam(predictor.rawCam(out.layer4!.data, F, h, w, k))
        const heat = camToImageHeatmap(cam, h, w, pre.region, pre)
        const mask = await readMask(file.maskPath!)
        expect([mask.width, mask.height]).toEqual([pre.width, pre.height])
        const centres: number[] = []
        for (let cy = 0; cy < h; cy++) for (let cx = 0; cx < w; cx++) centres.push(distanceToMask(mask.data, mask.width, mask.height, (cx + 0.5) * CELL, (cy + 0.5) * CELL))
        rows.push({ className: file.className, peak: distanceToMask(mask.data, mask.width, mask.height, heat.peak.x, heat.peak.y), centres })
      }
      const fraction = rows.filter((r) => r.peak <= HALF_CELL).length / rows.length
      const chance = rows.reduce((s, r) => s + r.centres.filter((c) => c <= HALF_CELL).length / r.centres.length, 0) / rows.length
      const strict = rows.filter((r) => r.peak === 0).length / rows.length
      const perClass = DEFECTS.map((d) => `${d} ${rows.filter((r) => r.className === d && r.peak <= HALF_CELL).length}/${rows.filter((r) => r.className === d).length}`)
      console.log(
        `CAM peak within half a cell of the defect: ${fraction.toFixed(3)} (${perClass.join(', ')}); random cell: ${chance.toFixed(3)}; ` +
          `peak on a mask pixel: ${strict.toFixed(3)}; classified correctly ${correct}/${rows.length}`
      )
      expect(fraction).toBeGreaterThanOrEqual(0.6)
      expect(fraction).toBeGreaterThanOrEqual(2 * chance)
    } finally {
      await predictor.release()
    }
  }, 120_000)
})
