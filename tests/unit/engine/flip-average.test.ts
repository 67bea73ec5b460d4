import * as ort from 'onnxruntime-node'
import { describe, expect, it } from 'vitest'
import { buildResnet18Inference, initResnet18Weights, seededRandom } from '../../../electron/engine/models/resnet'
import { FlipAverageError, hasFlipAveraging, withFlipAveraging } from '../../../electron/engine/onnx/flip-average'
import { buildResnet18Int8 } from '../../../electron/engine/infer/int8'

/**
 * Test-time flips (electron/engine/onnx/flip-average.ts) against the same model run on each
 * mirror image by hand: the wrapped model's probabilities are the mean of the four softmax
 * outputs, its logits their log, its layer4 the unflipped image's.
 */
const S = 32
const K = 3
const weights = initResnet18Weights({ numClasses: K, width: 0.125, seed: 7 })
const rng = seededRandom(11)
const n = 2
const x = Float32Array.from({ length: n * 3 * S * S }, () => rng.normal())

/** x mirrored: lr along W, tb along H. [N, 3, S, S] */
function mirror(src: Float32Array, lr: boolean, tb: boolean): Float32Array {
  const out = new Float32Array(src.length)
  for (let p = 0; p < n * 3; p++) {
    for (let y = 0; y < S; y++) for (let xx = 0; xx < S; xx++) out[p * S * S + y * S + xx] = src[p * S * S + (tb ? S - 1 - y : y) * S + (lr ? S - 1 - xx : xx)]!
  }
  return out
}
const softmaxRows = (l: Float32Array) => {
  const out = new Float32Array(l.length)
  for (let i = 0; i < l.length / K; i++) {
    const row = l.subarray(i * K, i * K + K)
    const m = Math.max(...row)
    const e = Array.from(row, (v) => Math.exp(v - m))
    const z = e.reduce((a, b) => a + b)
    e.forEach((v, c) => (out[i * K + c] = v / z))
  }
  return out
}

async function run(model: Uint8Array, input: Float32Array) {
  const session = await ort.InferenceSession.create(model, { intraOpNumThreads: 1 })
  const out = await session.run({ input: new ort.Tensor('float32', input, [n, 3, S, S]) })
  await session.release()
  return out
}

describe('test-time flips', () => {
  const plain = buildResnet18Inference({ numClasses: K, width: 0.125, height: S, batch: 'dynamic', weights, outputs: { probabilities: true, layer4: true } })

  it('averages the softmax of the image and its three mirror images; layer4 stays the image\'s own', async () => {
    const wrapped = withFlipAveraging(plain)
    expect(hasFlipAveraging(wrapped)).toBe(true)
    expect(hasFlipAveraging(plain)).toBe(false)
    expect(withFlipAveraging(wrapped)).toBe(wrapped) // wrapping twice changes nothing
    const views = await Promise.all([[false, false], [true, false], [false, true], [true, true]].map(([lr, tb]) => run(plain, mirror(x, lr!, tb!))))
    const mean = new Float32Array(n * K)
    for (const v of views) softmaxRows(v.logits!.data as Float32Array).forEach((p, i) => (mean[i] += p / 4))
    const out = await run(wrapped, x)
    const probs = out.probabilities!.data as Float32Array
    for (let i = 0; i < mean.length; i++) expect(probs[i]).toBeCloseTo(mean[i]!, 5)
    const logits = out.logits!.data as Float32Array
    for (let i = 0; i < mean.length; i++) expect(Math.exp(logits[i]!)).toBeCloseTo(mean[i]!, 5)
    expect(out.logits!.dims).toEqual([n, K])
    expect(out.layer4!.dims).toEqual(views[0]!.layer4!.dims)
    expect(Array.from(out.layer4!.data as Float32Array)).toEqual(Array.from(views[0]!.layer4!.data as Float32Array))
    // The views differ (a test on a mirror-symmetric answer would pass without averaging).
    expect(Math.abs((views[0]!.logits!.data as Float32Array)[0]! - (views[1]!.logits!.data as Float32Array)[0]!)).toBeGreaterThan(1e-4)
  }, 60_000)

  it('wraps an INT8 model the same way', async () => {
    const { model: int8 } = await buildResnet18Int8({ weights, numClasses: K, width: 0.125, size: S, probabilities: true, calibration: x, threads: 1 })
    const out = await run(withFlipAveraging(int8), x)
    const probs = out.probabilities!.data as Float32Array
    for (let i = 0; i < n; i++) expect(probs[i * K]! + probs[i * K + 1]! + probs[i * K + 2]!).toBeCloseTo(1, 5)
  }, 60_000)

  it('refuses a model with outputs it cannot average, naming the output', () => {
    const features = buildResnet18Inference({ numClasses: K, width: 0.125, height: S, batch: 'dynamic', weights, outputs: { layer2: true } })
    expect(() => withFlipAveraging(features)).toThrow(FlipAverageError)
    expect(() => withFlipAveraging(features)).toThrow(/"layer2"/)
  })
})
