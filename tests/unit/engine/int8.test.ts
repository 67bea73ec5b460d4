import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as ort from 'onnxruntime-node'
import { describe, expect, it } from 'vitest'
import { buildResnet18Int8, checkInt8Accuracy, MAX_INT8_ACCURACY_LOSS } from '../../../electron/engine/infer/int8'
import { buildResnet18Inference, initResnet18Weights, seededRandom } from '../../../electron/engine/models/resnet'

// Reduced model (width 0.25, 64 px) with non-trivial BN statistics so the fold is exercised.
const numClasses = 3
const width = 0.25
const size = 64
const weights = initResnet18Weights({ numClasses, width, seed: 2 })
const rng = seededRandom(5)
for (const [name, t] of weights) {
  if (name.endsWith('running_mean') || (name.endsWith('.bias') && !name.startsWith('fc'))) for (let i = 0; i < t.data.length; i++) t.data[i] = rng.normal() * 0.1
  if (name.endsWith('running_var')) for (let i = 0; i < t.data.length; i++) t.data[i] = 0.5 + rng.uniform()
}
const images = (n: number, seed: number): Float32Array => {
  const r = seededRandom(seed)
  return Float32Array.from({ length: n * 3 * size * size }, () => r.normal())
}

describe('INT8 (static QDQ) ResNet18', () => {
  it('calibrates on images, becomes QLinearConv/QLinearAdd in onnxruntime and stays close to fp32 on other images', async () => {
    const { model, ranges } = await buildResnet18Int8({ weights, numClasses, width, size, calibration: images(24, 1), threads: 1 })
    expect(ranges.get('input')![0]).toBeLessThan(0) // the normalised input is signed
    expect(ranges.get('relu')![0]).toBe(0) // ReLU outputs are not
    const dir = await mkdtemp(join(tmpdir(), 'ds-int8-'))
    try {
      const optimized = join(dir, 'int8-optimized.onnx')
      const q = await ort.InferenceSession.create(model, { intraOpNumThreads: 1, interOpNumThreads: 1, optimizedModelFilePath: optimized, logSeverityLevel: 3 })
      const text = (await readFile(optimized)).toString('latin1')
      expect(text.split('QLinearConv').length - 1).toBeGreaterThanOrEqual(20) // all 20 convs run in int8
      expect(text).toContain('QLinearAdd')
      const fp = await ort.InferenceSession.create(buildResnet18Inference({ weights, numClasses, width, height: size, batch: 'dynamic' }), { intraOpNumThreads: 1, interOpNumThreads: 1 })
      const n = 16
      const feed = new ort.Tensor('float32', images(n, 2), [n, 3, size, size])
      const a = (await fp.run({ input: feed })).logits!.data as Float32Array
      const b = (await q.run({ input: feed })).logits!.data as Float32Array
      let maxDiff = 0
      let maxRef = 0
      for (let i = 0; i < a.length; i++) {
        maxDiff = Math.max(maxDiff, Math.abs(a[i]! - b[i]!))
        maxRef = Math.max(maxRef, Math.abs(a[i]!))
      }
      console.log(`INT8 vs fp32 logits on unseen images: max |Δ| ${maxDiff.toFixed(3)} of max |logit| ${maxRef.toFixed(2)}`)
      expect(maxDiff / maxRef).toBeLessThan(0.1)
      expect(maxDiff).toBeGreaterThan(0) // it really is quantised
      await Promise.all([q.release(), fp.release()])
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('accepts INT8 within half a point of fp32 accuracy and refuses it beyond, saying why', () => {
    // 200 images, 2 classes: logits [1, 0] predict class 0.
    const labels = Array.from({ length: 200 }, () => 0)
    const logits = (wrong: number) => Float32Array.from({ length: 400 }, (_, k) => ((k >> 1) < wrong ? (k % 2 === 0 ? 0 : 1) : k % 2 === 0 ? 1 : 0))
    const within = checkInt8Accuracy({ fp32Logits: logits(0), int8Logits: logits(1), labels, numClasses: 2 }) // 0.5 point lost
    expect(within.accepted).toBe(true)
    expect(within.lost).toBeCloseTo(MAX_INT8_ACCURACY_LOSS)
    const beyond = checkInt8Accuracy({ fp32Logits: logits(0), int8Logits: logits(2), labels, numClasses: 2 }) // 1 point lost
    expect(beyond.accepted).toBe(false)
    expect(beyond.reason).toMatch(/loses 1\.0 points.*fp32 model is used/)
    expect(beyond.agreement).toBeCloseTo(0.99)
    expect(checkInt8Accuracy({ fp32Logits: new Float32Array(), int8Logits: new Float32Array(), labels: [], numClasses: 2 }).accepted).toBe(false)
  })
})
