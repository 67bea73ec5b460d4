/**
 * `npm run bench:anomaly`: PatchCore with a full-size ResNet18 at 224 px (weights
 * generated at bench time: torchvision's random initialisation, no ImageNet here).
 * Prints: fitting time for 200 good images (feature extraction, coreset, graph), inference
 * latency per image of the one-graph anomaly model, the memory bank's size, and the kNN
 * back ends ('js' Float32 loop vs 'onnx' MatMul + ReduceMin) measured in the same run.
 *
 * Environment: ANOMALY_BENCH_IMAGES (default 200), ANOMALY_BENCH_CORESET (default 0.1),
 * ANOMALY_BENCH_SIZE (default 224), ANOMALY_BENCH_PROVIDER (default cpu).
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as ort from 'onnxruntime-node'
import { generateSyntheticSet } from '../tests/support/synthetic-defects'
import { initResnet18Weights } from '../electron/engine/models/resnet'
import { preprocessImage } from '../electron/imaging/preprocess'
import { buildFeatureExtractor, createAnomalyScorer, fitPatchCore } from '../electron/engine/anomaly/patchcore'
import { patchEmbeddings } from '../electron/engine/anomaly/patch-features'
import { createNearestSearch } from '../electron/engine/anomaly/knn-search'
import { auroc } from '../electron/engine/anomaly/threshold'
import type { ProviderRequest } from '../electron/engine/infer/sessions'

const IMAGES = Number(process.env.ANOMALY_BENCH_IMAGES ?? 200)
const CORESET = Number(process.env.ANOMALY_BENCH_CORESET ?? 0.1)
const S = Number(process.env.ANOMALY_BENCH_SIZE ?? 224)
const PROVIDER = (process.env.ANOMALY_BENCH_PROVIDER ?? 'cpu') as ProviderRequest

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const mb = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MB`

async function main(): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'bench-anomaly-'))
  try {
    console.log(`PatchCore bench: ResNet18 width 1 (generated weights), ${S} px, ${IMAGES} good images, coreset ${CORESET}, provider ${PROVIDER}`)
    let t = performance.now()
    const { files } = await generateSyntheticSet({
      root,
      seed: 5,
      counts: { ok: IMAGES + 40, scratch: 10, spot: 10, crack: 10, dent: 10 },
      layout: 'mvtec',
      valFraction: 40 / (IMAGES + 40),
      width: S,
      height: S,
      colour: 'mixed'
    })
    console.log(`generated ${files.length} images in ${((performance.now() - t) / 1000).toFixed(1)} s`)
    const train = files.filter((f) => f.split === 'train')
    const test = files.filter((f) => f.split === 'test')
    const weights = initResnet18Weights({ numClasses: 1000, width: 1, seed: 0 })

    // Fit: preprocessing is included (the service reads encoded images too).
    t = performance.now()
    const model = await fitPatchCore(
      weights,
      { count: train.length, load: async (i) => (await preprocessImage(train[i]!.path, { size: S, fit: 'whole' })).tensor },
      {
        size: S,
        coresetFraction: CORESET,
        provider: PROVIDER,
        onProgress: (p) => {
          if (p.phase !== 'features' || p.done === p.total || p.done % 40 === 0) console.log(`  ${((performance.now() - t) / 1000).toFixed(1)} s: ${p.phase} ${p.done}/${p.total}`)
        }
      }
    )
    const fitSeconds = (performance.now() - t) / 1000
    const st = model.stats
    console.log(`fit ${train.length} images: ${fitSeconds.toFixed(1)} s total = features+preprocess ${st.featureSeconds.toFixed(1)} s + coreset ${st.coresetSeconds.toFixed(1)} s + graph ${st.graphSeconds.toFixed(1)} s (${st.provider})`)
    console.log(`memory bank: ${st.bankSize} × ${model.bank.dim} float32 = ${mb(model.bank.data.byteLength)} (from ${st.patchesUsed} patches, grid ${model.grid.height}×${model.grid.width}); anomaly ONNX ${mb(model.onnx.byteLength)}`)

    // Inference latency per image (batch 1) of the one-graph model: backbone + head + kNN + map.
    const scorer = await createAnomalyScorer(model.onnx, S, { provider: PROVIDER })
    const tensors = await Promise.all(test.map(async (f) => (await preprocessImage(f.path, { size: S, fit: 'whole' })).tensor))
    for (let i = 0; i < 2; i++) await scorer.score([tensors[i]!])
    const lat: number[] = []
    const scores: number[] = []
    for (const x of tensors) {
      const t0 = performance.now()
      scores.push((await scorer.score([x]))[0]!.score)
      lat.push(performance.now() - t0)
    }
    await scorer.release()
    const latency = median(lat)
    console.log(`inference latency per image (batch 1, median of ${lat.length}): ${latency.toFixed(1)} ms (${scorer.provider})`)
    const labels = test.map((f) => (f.className === 'ok' ? 0 : 1))
    const imageAuroc = auroc(scores, labels)
    console.log(`image AUROC on ${test.length} held-out images (random-init backbone): ${imageAuroc.toFixed(4)}`)

    // kNN back ends on one image's patch embeddings against this bank.
    const backbone = await ort.InferenceSession.create(buildFeatureExtractor(weights, S))
    const feats = await backbone.run({ input: new ort.Tensor('float32', tensors[0]!, [1, 3, S, S]) })
    await backbone.release()
    const d2 = feats.layer2!.dims as number[]
    const d3 = feats.layer3!.dims as number[]
    const emb = patchEmbeddings(
      { data: feats.layer2!.data as Float32Array, n: 1, channels: d2[1]!, height: d2[2]!, width: d2[3]! },
      { data: feats.layer3!.data as Float32Array, n: 1, channels: d3[1]!, height: d3[2]!, width: d3[3]! }
    )
    const q = emb.height * emb.width
    const knn: Record<string, number> = {}
    for (const backend of ['onnx', 'js'] as const) {
      const search = await createNearestSearch(model.bank, backend, { provider: PROVIDER })
      await search.search(emb.data, q)
      const times: number[] = []
      for (let i = 0; i < (backend === 'js' ? 3 : 10); i++) {
        const t0 = performance.now()
        await search.search(emb.data, q)
        times.push(performance.now() - t0)
      }
      await search.release()
      knn[backend] = median(times)
      console.log(`kNN ${backend.padEnd(4)} ${q} queries × ${model.bank.size} bank rows × ${model.bank.dim}: ${knn[backend]!.toFixed(1)} ms (${search.provider})`)
    }
    console.log(`kNN: onnx is ${(knn.js! / knn.onnx!).toFixed(1)}× faster than js (same run)`)
    console.log(
      JSON.stringify({
        bench: 'anomaly',
        size: S,
        images: train.length,
        coresetFraction: CORESET,
        fitSeconds,
        featureSeconds: st.featureSeconds,
        coresetSeconds: st.coresetSeconds,
        graphSeconds: st.graphSeconds,
        bankRows: st.bankSize,
        bankDim: model.bank.dim,
        bankBytes: model.bank.data.byteLength,
        onnxBytes: model.onnx.byteLength,
        latencyMs: latency,
        knnOnnxMs: knn.onnx,
        knnJsMs: knn.js,
        imageAuroc,
        provider: st.provider
      })
    )
  } finally {
    await rm(root, { recursive: true, force: true })
  }
}

await main()
