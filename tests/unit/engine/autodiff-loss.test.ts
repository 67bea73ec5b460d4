import * as ort from 'onnxruntime-node'
import { describe, expect, it } from 'vitest'
import { emitSoftmaxCrossEntropy } from '../../../electron/engine/autodiff/softmax-cross-entropy'
import { OnnxGraph } from '../../../electron/engine/onnx/graph'

/** float64 reference of the documented loss (torch's cross_entropy + per-sample weights). */
function referenceLoss(z: number[][], y: number[], s: number[], w: number[], eps: number): number {
  const c = w.length
  let num = 0
  let den = 0
  z.forEach((row, i) => {
    const max = Math.max(...row)
    const lse = max + Math.log(row.reduce((a, v) => a + Math.exp(v - max), 0))
    let li = 0
    for (let k = 0; k < c; k++) li -= ((1 - eps) * (k === y[i] ? w[k]! : 0) + (eps / c) * w[k]!) * (row[k]! - lse)
    num += s[i]! * li
    den += s[i]! * w[y[i]!]!
  })
  return num / den
}

async function lossSession(n: number, c: number, eps: number) {
  const g = new OnnxGraph('ce')
  const logits = g.input('z', 'float32', [n, c])
  const labels = g.input('y', 'int64', [n])
  const sampleWeights = g.input('s', 'float32', [n])
  const classWeights = g.input('w', 'float32', [c])
  const { loss, dLogits } = emitSoftmaxCrossEntropy(g, { logits, labels, sampleWeights, classWeights, numClasses: c, labelSmoothing: eps })
  g.output(loss, 'loss', 'float32', [])
  g.output(dLogits, 'dz', 'float32', [n, c])
  const session = await ort.InferenceSession.create(g.toBytes())
  return async (z: number[][], y: number[], s: number[], w: number[]) => {
    const out = await session.run({
      z: new ort.Tensor('float32', Float32Array.from(z.flat()), [n, c]),
      y: new ort.Tensor('int64', BigInt64Array.from(y.map(BigInt)), [n]),
      s: new ort.Tensor('float32', Float32Array.from(s), [n]),
      w: new ort.Tensor('float32', Float32Array.from(w), [c])
    })
    return { loss: (out.loss!.data as Float32Array)[0]!, dz: Array.from(out.dz!.data as Float32Array) }
  }
}

describe('softmax cross-entropy (class weights, label smoothing, per-sample weights)', () => {
  const z = [[0.2, -1.0, 2.0], [1.5, 0.3, -0.7], [-0.4, 0.9, 0.1], [3.0, -2.0, 0.5]]
  const y = [2, 0, 1, 1]
  const w = [1, 2, 0.5]
  for (const eps of [0, 0.1]) {
    for (const s of [[1, 1, 1, 1], [1, 0.5, 2, 0]]) {
      it(`ε=${eps}, sample weights [${s.join(', ')}]: value and gradient match a float64 reference`, async () => {
        const run = await lossSession(4, 3, eps)
        const { loss, dz } = await run(z, y, s, w)
        expect(loss).toBeCloseTo(referenceLoss(z, y, s, w, eps), 5)
        const h = 1e-4
        dz.forEach((an, k) => {
          const i = Math.floor(k / 3)
          const j = k % 3
          const plus = z.map((r) => [...r])
          const minus = z.map((r) => [...r])
          plus[i]![j]! += h
          minus[i]![j]! -= h
          const numeric = (referenceLoss(plus, y, s, w, eps) - referenceLoss(minus, y, s, w, eps)) / (2 * h)
          expect(an).toBeCloseTo(numeric, 5)
        })
        if (s[3] === 0) expect(dz.slice(9)).toEqual([0, 0, 0]) // a padded sample gets no gradient
      })
    }
  }
})
