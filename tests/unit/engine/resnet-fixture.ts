import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import * as ort from 'onnxruntime-node'
import { readSafetensors } from '../../../electron/engine/models/safetensors'
import type { Tensor, TensorMap } from '../../../electron/engine/tensor'

/** The committed PyTorch fixtures (scripts/fixtures/make-resnet-fixture.py). */
export const FIXTURE = { width: 0.125, numClasses: 3, size: 64, batch: 4, labelSmoothing: 0.1 }

export function loadFixture(suffix: string): TensorMap {
  const name = suffix ? `resnet18-w0125-c3-${suffix}.safetensors` : 'resnet18-w0125-c3.safetensors'
  return readSafetensors(new Uint8Array(readFileSync(join(__dirname, '..', '..', 'fixtures', 'torch', name))))
}

export function get(map: TensorMap, name: string): Tensor {
  const t = map.get(name)
  if (!t) throw new Error(`fixture tensor ${name} missing`)
  return t
}

/** max |a − b| / max |b|, the per-tensor parity measure of docs/decisions.md (PyTorch parity). */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`)
  let diff = 0
  let scale = 0
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!))
    scale = Math.max(scale, Math.abs(b[i]!))
  }
  return scale === 0 ? diff : diff / scale
}

export function f32(t: Tensor): ort.Tensor {
  return new ort.Tensor('float32', t.data, t.shape)
}

export function i64(values: ArrayLike<number>): ort.Tensor {
  return new ort.Tensor('int64', BigInt64Array.from(Array.from(values, (v) => BigInt(v))), [values.length])
}
