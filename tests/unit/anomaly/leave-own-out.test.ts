import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateSyntheticSet, type SyntheticFile } from '../../support/synthetic-defects'
import { initResnet18Weights } from '../../../electron/engine/models/resnet'
import { preprocessImage } from '../../../electron/imaging/preprocess'
import { createAnomalyScorer, fitPatchCore } from '../../../electron/engine/anomaly/patchcore'
import { auroc, calibrateThreshold } from '../../../electron/engine/anomaly/threshold'

/**
 * Leave-own-patches-out calibration (engine/anomaly/leave-own-out.ts): all good images in
 * the bank, each scored without its own rows. Those scores must look like fresh good
 * images' scores (what the threshold is for), not like the model's own scores of banked
 * images (≈ 0: a patch matches itself), and a threshold read from them must pass fresh
 * good images and catch defects. Reduced model (width 0.25, 64 px, random init).
 */
const S = 64
const weights = initResnet18Weights({ numClasses: 2, width: 0.25, seed: 0 })
let root: string
let files: SyntheticFile[]
const tensor = async (f: SyntheticFile) => (await preprocessImage(f.path, { size: S, fit: 'whole' })).tensor

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'anomaly-loo-'))
  ;({ files } = await generateSyntheticSet({ root, seed: 5, counts: { ok: 120, scratch: 10, spot: 10 }, layout: 'mvtec', valFraction: 0.5, width: S, height: S }))
})
afterAll(async () => {
  await rm(root, { recursive: true, force: true })
})

describe('leave-own-patches-out calibration', () => {
  it('scores banked good images like fresh ones, and its threshold passes fresh good images and catches defects', async () => {
    const banked = files.filter((f) => f.split === 'train')
    const fresh = files.filter((f) => f.split === 'test' && f.className === 'ok')
    const defects = files.filter((f) => f.className !== 'ok')
    const model = await fitPatchCore(weights, { count: banked.length, load: (i) => tensor(banked[i]!) }, { size: S, coresetFraction: 0.25, seed: 2, leaveOwnOut: true })
    const own = Array.from(model.ownOutScores!)
    expect(own).toHaveLength(banked.length)
    const scorer = await createAnomalyScorer(model.onnx, S)
    const score = async (list: SyntheticFile[]) => (await scorer.score(await Promise.all(list.map(tensor)))).map((r) => r.score)
    const inBank = await score(banked.slice(0, 20))
    const freshScores = await score(fresh)
    const defectScores = await score(defects)
    await scorer.release()
    const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1]!
    // Without masking, a banked image scores far lower (its own coreset rows are in the bank).
    expect(median(inBank)).toBeLessThan(0.8 * median(own))
    // With masking, banked and fresh good images score alike (medians within 25 %).
    expect(Math.abs(median(own) - median(freshScores)) / median(freshScores)).toBeLessThan(0.25)
    // A 10 % FRR threshold from the leave-own-out scores: fresh good images mostly pass, defects are caught.
    const { threshold } = calibrateThreshold(own, 0.1)
    const freshRejected = freshScores.filter((s) => s >= threshold).length / freshScores.length
    expect(freshRejected).toBeLessThan(0.25)
    expect(auroc([...freshScores, ...defectScores], [...freshScores.map(() => 0), ...defectScores.map(() => 1)])).toBeGreaterThan(0.9)
    console.info(`leave-own-out: median own-out ${median(own).toFixed(3)}, fresh ${median(freshScores).toFixed(3)}, banked (no mask) ${median(inBank).toFixed(3)}; fresh FRR at the 10 % threshold ${freshRejected.toFixed(3)}`)
  }, 300_000)
})
