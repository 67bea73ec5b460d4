import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import { camToImageHeatmap, classActivationMap, normaliseCam } from '../../../electron/engine/infer/heatmap'
import { Predictor } from '../../../electron/engine/infer/predictor'
import { readSafetensors } from '../../../electron/engine/models/safetensors'
import { loadResnetWeights } from '../../../electron/engine/models/weights'

const torchDir = join(__dirname, '../../fixtures/torch')
const io = readSafetensors(readFileSync(join(torchDir, 'resnet18-w0125-c3-io.safetensors')))
const weightsFile = join(torchDir, 'resnet18-w0125-c3.safetensors')

/** The textbook CAM, written out directly: ReLU(Σ_c w_c F_c), / max, bilinear (align_corners=False) to S×S. */
function referenceCam(F: Float32Array, C: number, h: number, w: number, fcRow: Float32Array, S: number): Float64Array {
  const cam = new Float64Array(h * w)
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let c = 0; c < C; c++) cam[y * w + x] += fcRow[c]! * F[c * h * w + y * w + x]!
  const max = Math.max(0, ...cam)
  const norm = cam.map((v) => (max > 0 ? Math.max(0, v) / max : 0))
  const out = new Float64Array(S * S)
  for (let oy = 0; oy < S; oy++) {
    for (let ox = 0; ox < S; ox++) {
      const sy = Math.min(Math.max((oy + 0.5) * (h / S) - 0.5, 0), h - 1)
      const sx = Math.min(Math.max((ox + 0.5) * (w / S) - 0.5, 0), w - 1)
      const y0 = Math.floor(sy)
      const x0 = Math.floor(sx)
      const y1 = Math.min(y0 + 1, h - 1)
      const x1 = Math.min(x0 + 1, w - 1)
      const ay = sy - y0
      const ax = sx - x0
      out[oy * S + ox] =
        (1 - ay) * ((1 - ax) * norm[y0 * w + x0]! + ax * norm[y0 * w + x1]!) + ay * ((1 - ax) * norm[y1 * w + x0]! + ax * norm[y1 * w + x1]!)
    }
  }
  return out
}

describe('class activation maps', () => {
  it('on the PyTorch fixture: CAM from torch layer4 features equals a direct computation, and mean(CAM) + bias = logit', async () => {
    const { weights } = await loadResnetWeights(weightsFile)
    const fc = weights.get('fc.weight')!.data
    const bias = weights.get('fc.bias')!.data
    const layer4 = io.get('layer4')!.data // [4, 64, 2, 2] from torchvision
    const logits = io.get('logits')!.data // [4, 3]
    const [C, h, w] = [64, 2, 2]
    for (let n = 0; n < 4; n++) {
      const feats = layer4.subarray(n * C * h * w, (n + 1) * C * h * w)
      for (let k = 0; k < 3; k++) {
        const raw = classActivationMap(feats, C, h, w, fc.subarray(k * C, (k + 1) * C))
        const mean = raw.reduce((a, b) => a + b, 0) / raw.length
        expect(mean + bias[k]!).toBeCloseTo(logits[n * 3 + k]!, 4)
        // Upsampled onto a 64×64 image the network saw whole.
        const hm = camToImageHeatmap(normaliseCam(raw), h, w, { x: 0, y: 0, w: 64, h: 64 }, { width: 64, height: 64 }, 64)
        const ref = referenceCam(feats, C, h, w, fc.subarray(k * C, (k + 1) * C), 64)
        expect(hm.width).toBe(64)
        for (let i = 0; i < ref.length; i++) expect(Math.abs(hm.data[i]! - ref[i]!)).toBeLessThan(1e-5)
      }
    }
  })

  it('the predictor returns a heatmap for the predicted class, computed from its own layer4', async () => {
    const { weights, numClasses, width } = await loadResnetWeights(weightsFile)
    const p = await Predictor.create({ weights, numClasses, width, size: 64, heatmap: true, provider: 'cpu', threads: 1 })
    try {
      const out = await p.runBatch(io.get('images')!.data, 4)
      for (let n = 0; n < 4; n++) {
        const pred = p.toPrediction(out.logits, out.probabilities, n)
        const raw = p.rawCam(out.layer4!.data.subarray(n * 256, (n + 1) * 256), 64, 2, 2, pred.class)
        expect(raw.reduce((a, b) => a + b, 0) / 4 + p.bias(pred.class)).toBeCloseTo(pred.logits[pred.class]!, 4)
      }
      const png = await sharp({ create: { width: 120, height: 80, channels: 3, background: { r: 90, g: 120, b: 60 } } }).png().toBuffer()
      const [r] = await p.predictImages([png], { fit: 'crop', heatmap: true })
      expect(r!.heatmap).toBeDefined()
      expect(r!.heatmap!.width).toBe(120)
      expect(r!.heatmap!.height).toBe(80)
    } finally {
      await p.release()
    }
  })

  it('aligns with the original image: undoes the centre crop, zero outside what the network saw', () => {
    // A 300×200 image with fit 'crop' at S=64: resized to 96×64, crop x from 16 to 80 (resized px)
    // = original x 50..250, full height. A CAM hot only in its top-left cell peaks near the
    // crop's top-left corner in original coordinates.
    const cam = normaliseCam(Float32Array.from([1, 0, 0, 0]))
    const region = { x: 16 * (300 / 96), y: 0, w: 64 * (300 / 96), h: 200 }
    const hm = camToImageHeatmap(cam, 2, 2, region, { width: 300, height: 200 }, 300)
    expect(hm.width).toBe(300)
    expect(hm.height).toBe(200)
    expect(hm.data[100 * 300 + 20]).toBe(0) // left of the crop
    expect(hm.data[100 * 300 + 280]).toBe(0) // right of the crop
    expect(hm.peak.x).toBeGreaterThanOrEqual(50)
    expect(hm.peak.x).toBeLessThan(50 + 200 / 4 + 1)
    expect(hm.peak.y).toBeLessThan(200 / 4 + 1)
    expect(Math.max(...hm.data)).toBeCloseTo(1, 5)
  })

  it('an all-negative CAM gives an all-zero map', () => {
    expect(Array.from(normaliseCam(Float32Array.from([-1, -2, -0.5])))).toEqual([0, 0, 0])
  })
})
