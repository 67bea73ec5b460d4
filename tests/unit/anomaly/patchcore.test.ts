import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as ort from 'onnxruntime-node'
import { generateSyntheticSet, type SyntheticFile } from '../../support/synthetic-defects'
import { initResnet18Weights } from '../../../electron/engine/models/resnet'
import { preprocessImage } from '../../../electron/imaging/preprocess'
import { buildFeatureExtractor, createAnomalyScorer, deserializeBank, fitPatchCore, serializeBank } from '../../../electron/engine/anomaly/patchcore'
import { patchEmbeddings } from '../../../electron/engine/anomaly/patch-features'
import { nearestBlocked } from '../../../electron/engine/anomaly/knn'
import { anomalyMap, imageScore } from '../../../electron/engine/anomaly/scoring'
import { auroc, binomialAcceptance, calibrateThreshold, freshFrrAcceptance, frrWithinBound } from '../../../electron/engine/anomaly/threshold'

// Reduced model and images (CI budget): ResNet18 width 0.25, 64 px, random initialisation
// (no ImageNet weights exist on these machines). Random conv features still describe
// texture statistics, which is what these synthetic defects disturb.
const S = 64
const weights = initResnet18Weights({ numClasses: 2, width: 0.25, seed: 0 })
let root: string
let files: SyntheticFile[]
const tensors = new Map<string, Float32Array>()

async function tensorOf(path: string): Promise<Float32Array> {
  let t = tensors.get(path)
  if (!t) {
    t = (await preprocessImage(path, { size: S, fit: 'whole' })).tensor
    tensors.set(path, t)
  }
  return t
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'anomaly-patchcore-'))
  // 400 good (200 to learn from, 200 held out), 4 × 12 defects; committed generator parameters.
  ;({ files } = await generateSyntheticSet({ root, seed: 8, counts: { ok: 400, scratch: 12, spot: 12, crack: 12, dent: 12 }, layout: 'mvtec', valFraction: 0.5, masks: true, width: S, height: S }))
})

afterAll(async () => {
  await rm(root, { recursive: true, force: true })
})

const goodTrain = (): SyntheticFile[] => files.filter((f) => f.split === 'train')
const goodHeld = (): SyntheticFile[] => files.filter((f) => f.split === 'test' && f.className === 'ok')
const defects = (): SyntheticFile[] => files.filter((f) => f.className !== 'ok')
const source = (list: SyntheticFile[]) => ({ count: list.length, load: (i: number) => tensorOf(list[i]!.path) })

describe('PatchCore on generated textures', () => {
  it('the one-graph model equals the JS reference (features, kNN, score, smoothed map)', async () => {
    const fitSet = goodTrain().slice(0, 20)
    const model = await fitPatchCore(weights, source(fitSet), { size: S, coresetFraction: 0.25, seed: 1 })
    const probe = [defects()[0]!, goodHeld()[0]!]
    const input = new Float32Array(2 * 3 * S * S)
    for (let i = 0; i < 2; i++) input.set(await tensorOf(probe[i]!.path), i * 3 * S * S)
    // Reference: backbone features -> JS patch embeddings -> JS nearest neighbour -> JS map.
    const backbone = await ort.InferenceSession.create(buildFeatureExtractor(weights, S))
    const feats = await backbone.run({ input: new ort.Tensor('float32', input, [2, 3, S, S]) })
    const [, c2, h2, w2] = feats.layer2!.dims as number[]
    const [, c3, h3, w3] = feats.layer3!.dims as number[]
    const emb = patchEmbeddings(
      { data: feats.layer2!.data as Float32Array, n: 2, channels: c2!, height: h2!, width: w2! },
      { data: feats.layer3!.data as Float32Array, n: 2, channels: c3!, height: h3!, width: w3! }
    )
    const nn = nearestBlocked(model.bank, emb.data, 2 * h2! * w2!)
    await backbone.release()
    const scorer = await createAnomalyScorer(model.onnx, S)
    const out = await scorer.score([await tensorOf(probe[0]!.path), await tensorOf(probe[1]!.path)])
    await scorer.release()
    const hw = h2! * w2!
    for (let i = 0; i < 2; i++) {
      const ref = Float32Array.from(nn.distances.subarray(i * hw, (i + 1) * hw), Math.sqrt)
      for (let k = 0; k < hw; k++) expect(out[i]!.patchScores[k]).toBeCloseTo(ref[k]!, 3)
      expect(out[i]!.score).toBeCloseTo(imageScore(ref).score, 3)
      const map = anomalyMap(ref, h2!, w2!, S, S, 4)
      let worst = 0
      for (let k = 0; k < S * S; k++) worst = Math.max(worst, Math.abs(map[k]! - out[i]!.map[k]!))
      expect(worst).toBeLessThan(1e-3 * Math.max(...ref))
    }
    // The defect image scores higher than the good one.
    expect(out[0]!.score).toBeGreaterThan(out[1]!.score)
    // layer4 and fc are pruned from the stored model; the bank is baked in.
    expect(Buffer.from(model.onnx).includes('layer4.0.conv1.weight')).toBe(false)
    expect(Buffer.from(model.onnx).includes('layer3.1.conv2.weight')).toBe(true)
    // The bank round-trips through its safetensors blob.
    const back = deserializeBank(serializeBank(model))
    expect(back.bank.size).toBe(model.bank.size)
    expect(Array.from(back.bank.data.subarray(0, 10))).toEqual(Array.from(model.bank.data.subarray(0, 10)))
  })

  it('memory bank size follows the coreset fraction', async () => {
    const fitSet = goodTrain().slice(0, 40)
    for (const fraction of [0.02, 0.1, 0.3]) {
      const m = await fitPatchCore(weights, source(fitSet), { size: S, coresetFraction: fraction })
      expect(m.stats.patchesUsed).toBe(40 * 8 * 8)
      expect(m.bank.size).toBe(Math.round(40 * 64 * fraction))
    }
    // maxPatches bounds the embeddings the coreset sees (memory and time bound).
    const capped = await fitPatchCore(weights, source(fitSet), { size: S, coresetFraction: 0.1, maxPatches: 1000 })
    expect(capped.stats.patchesSeen).toBe(40 * 64)
    expect(capped.stats.patchesUsed).toBe(40 * Math.floor(1000 / 40))
    expect(capped.bank.size).toBe(Math.round(capped.stats.patchesUsed * 0.1))
  })

  it('separates defects from good parts (image AUROC >= 0.95), calibrates on good images only and holds the FRR on fresh good images', async () => {
    const model = await fitPatchCore(weights, source(goodTrain()), { size: S, coresetFraction: 0.1, seed: 0 })
    const scorer = await createAnomalyScorer(model.onnx, S)
    const scoreAll = async (list: SyntheticFile[]): Promise<number[]> => {
      const out: number[] = []
      for (let i = 0; i < list.length; i += 16) {
        const part = await scorer.score(await Promise.all(list.slice(i, i + 16).map((f) => tensorOf(f.path))))
        out.push(...part.map((r) => r.score))
      }
      return out
    }
    const held = goodHeld()
    const calibrationGood = await scoreAll(held.slice(0, 100))
    const freshGood = await scoreAll(held.slice(100))
    const defectScores = await scoreAll(defects())
    await scorer.release()

    const imageAuroc = auroc([...freshGood, ...defectScores], [...freshGood.map(() => 0), ...defectScores.map(() => 1)])
    console.info(`PatchCore (random-init ResNet18 w0.25, ${S}px): image AUROC ${imageAuroc.toFixed(4)}, bank ${model.bank.size}`)
    expect(imageAuroc).toBeGreaterThanOrEqual(0.95)

    // Threshold from good images only, for a 5 % false-reject rate.
    const target = 0.05
    const c = calibrateThreshold(calibrationGood, target)
    expect(c.warning).toBeUndefined()
    const freshRejects = freshGood.filter((s) => s >= c.threshold).length
    // Never rejects all good images (the known failure of F1 thresholds without defects).
    expect(c.calibrationFrr).toBeLessThan(1)
    expect(freshRejects).toBeLessThan(freshGood.length)
    // Fresh FRR within the 95 % bound: the binomial region of the target, widened by the
    // calibration set's own sampling (exact for an order-statistic threshold).
    const bound = freshFrrAcceptance(freshGood.length, c)
    console.info(`target FRR ${target}: fresh rejects ${freshRejects}/${freshGood.length}, 95 % region [${bound.low}, ${bound.high}], plain binomial ${JSON.stringify(binomialAcceptance(freshGood.length, target))}`)
    expect(freshRejects).toBeGreaterThanOrEqual(bound.low)
    expect(freshRejects).toBeLessThanOrEqual(bound.high)
    expect(frrWithinBound(freshRejects, freshGood.length, target)).toBe(true)
    // And the threshold still catches most defects.
    expect(defectScores.filter((s) => s >= c.threshold).length / defectScores.length).toBeGreaterThan(0.8)
  })
})
