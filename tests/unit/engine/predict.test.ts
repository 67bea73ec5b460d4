import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Predictor } from '../../../electron/engine/infer/predictor'
import { buildResnet18Inference } from '../../../electron/engine/models/resnet'
import { readSafetensors } from '../../../electron/engine/models/safetensors'
import { loadResnetWeights } from '../../../electron/engine/models/weights'
import { readFileSync } from 'node:fs'

// PyTorch fixture made by scripts/fixtures/make-resnet-fixture.py: a width-0.125,
// 3-class torchvision ResNet18 with random weights, 64×64 inputs, eval-mode logits and
// layer4 features computed in float64.
const torchDir = join(__dirname, '../../fixtures/torch')

let predictor: Predictor
const io = readSafetensors(readFileSync(join(torchDir, 'resnet18-w0125-c3-io.safetensors')))

beforeAll(async () => {
  const { weights, numClasses, width } = await loadResnetWeights(join(torchDir, 'resnet18-w0125-c3.safetensors'))
  expect({ numClasses, width }).toEqual({ numClasses: 3, width: 0.125 })
  predictor = await Predictor.create({ weights, numClasses, width, size: 64, heatmap: true, provider: 'cpu', threads: 1 })
})
afterAll(async () => predictor?.release())

function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let maxDiff = 0
  let maxRef = 0
  for (let i = 0; i < b.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(a[i]! - b[i]!))
    maxRef = Math.max(maxRef, Math.abs(b[i]!))
  }
  return maxDiff / maxRef
}

describe('Predictor against the PyTorch fixture', () => {
  it('logits, probabilities and layer4 match torchvision within 1e-4', async () => {
    const images = io.get('images')!
    const out = await predictor.runBatch(images.data, 4)
    expect(maxRelDiff(out.logits, io.get('logits')!.data)).toBeLessThan(1e-4)
    for (let i = 0; i < out.logits.length; i++) expect(Math.abs(out.logits[i]! - io.get('logits')!.data[i]!)).toBeLessThan(1e-4)
    for (let i = 0; i < out.probabilities.length; i++) expect(Math.abs(out.probabilities[i]! - io.get('probabilities')!.data[i]!)).toBeLessThan(1e-5)
    expect(out.layer4!.dims).toEqual([4, 64, 2, 2])
    expect(maxRelDiff(out.layer4!.data, io.get('layer4')!.data)).toBeLessThan(1e-4)
  })
})

describe('Predictor fallback', () => {
  it('a GPU session that fails while running is replaced by CPU, with the reason, and the run still answers', async () => {
    const { weights } = await loadResnetWeights(join(torchDir, 'resnet18-w0125-c3.safetensors'))
    const p = await Predictor.create({ weights, numClasses: 3, width: 0.125, size: 64, provider: 'cpu', threads: 1 })
    // Stand in for a GPU session that dies mid-run (no GPU here): a session whose run throws.
    const internals = p as unknown as { session: { run: () => Promise<never>; release: () => Promise<void> }; providerInUse: string; model: Uint8Array | null }
    internals.providerInUse = 'webgpu'
    internals.model = buildResnet18Inference({ numClasses: 3, width: 0.125, height: 64, batch: 'dynamic', weights, outputs: { probabilities: true } })
    internals.session = { run: () => Promise.reject(new Error('device lost')), release: async () => undefined }
    const out = await p.runBatch(io.get('images')!.data, 4)
    expect(p.provider).toBe('cpu')
    expect(p.providerReason).toBe('WebGPU failed while running (device lost); switched to CPU.')
    for (let i = 0; i < out.logits.length; i++) expect(Math.abs(out.logits[i]! - io.get('logits')!.data[i]!)).toBeLessThan(1e-4)
    await p.release()
  })
})
