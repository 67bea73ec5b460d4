import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { initResnet18Weights, resnet18ParamShapes } from '../../../electron/engine/models/resnet'
import { writeSafetensors } from '../../../electron/engine/models/safetensors'
import { loadResnetWeights, normalizeResnetWeights, parseResnetWeights, toTorchvisionName, WeightsError } from '../../../electron/engine/models/weights'
import type { TensorMap } from '../../../electron/engine/tensor'

const small = () => initResnet18Weights({ numClasses: 3, width: 0.125, seed: 1 })

function renamed(w: TensorMap, f: (n: string) => string): TensorMap {
  return new Map([...w].map(([n, t]) => [f(n), t]))
}

describe('ResNet18 weights loading', () => {
  it('maps timm and wrapped-checkpoint names to torchvision names', () => {
    expect(toTorchvisionName('module.layer1.0.conv1.weight')).toBe('layer1.0.conv1.weight')
    expect(toTorchvisionName('model.module.fc.weight')).toBe('fc.weight')
    expect(toTorchvisionName('head.fc.bias')).toBe('fc.bias')
    expect(toTorchvisionName('layer2.0.downsample.1.running_var')).toBe('layer2.0.downsample.1.running_var')
  })

  it('loads a torchvision-named file, inferring classes and width, ignoring num_batches_tracked', async () => {
    const w = small()
    const withCounters: TensorMap = new Map(w)
    withCounters.set('bn1.num_batches_tracked', { shape: [], data: Float32Array.from([10]) })
    const dir = await mkdtemp(join(tmpdir(), 'ds-weights-'))
    const file = join(dir, 'w.safetensors')
    await writeFile(file, writeSafetensors(withCounters))
    const loaded = await loadResnetWeights(file)
    expect(loaded.numClasses).toBe(3)
    expect(loaded.width).toBe(0.125)
    expect([...loaded.weights.keys()]).toEqual(resnet18ParamShapes({ numClasses: 3, width: 0.125 }).map((p) => p.name))
    expect(loaded.weights.get('layer3.1.conv2.weight')!.data).toEqual(w.get('layer3.1.conv2.weight')!.data)
  })

  it('accepts timm / DataParallel / Lightning prefixes and head.fc', () => {
    const w = small()
    for (const f of [(n: string) => `module.${n}`, (n: string) => `model.${n}`, (n: string) => n.replace(/^fc\./, 'head.fc.')]) {
      const r = normalizeResnetWeights(renamed(w, f))
      expect(r.numClasses).toBe(3)
      expect(r.weights.get('fc.weight')).toBe(w.get('fc.weight'))
    }
  })

  it('names the offending tensor: missing, wrong shape, unexpected, integer dtype', async () => {
    const w = small()
    const missing = new Map(w)
    missing.delete('layer2.1.bn2.running_var')
    expect(() => normalizeResnetWeights(missing, 'x.safetensors')).toThrow(/x\.safetensors: missing tensor "layer2\.1\.bn2\.running_var"/)
    const wrong = new Map(w)
    wrong.set('layer1.0.conv2.weight', { shape: [8, 8, 1, 1], data: new Float32Array(64) })
    expect(() => normalizeResnetWeights(wrong)).toThrow(/tensor "layer1\.0\.conv2\.weight" has shape \[8, 8, 1, 1\], expected \[8, 8, 3, 3\]/)
    const extra = new Map(w)
    extra.set('layer5.0.conv1.weight', { shape: [1], data: new Float32Array(1) })
    expect(() => normalizeResnetWeights(extra)).toThrow(/unexpected tensor "layer5\.0\.conv1\.weight"/)
    expect(() => normalizeResnetWeights(new Map([['x', { shape: [1], data: new Float32Array(1) }]]))).toThrow(/missing tensor "conv1\.weight"/)
    expect(() => normalizeResnetWeights(w, 'f', new Map([['conv1.weight', 'I32']]))).toThrow(/"conv1\.weight" has dtype I32/)
    expect(() => parseResnetWeights(new Uint8Array(3), 'broken.safetensors')).toThrow(WeightsError)
    await expect(loadResnetWeights('/nonexistent/w.safetensors')).rejects.toThrow(/cannot read the weights file \(ENOENT\)/)
  })
})
