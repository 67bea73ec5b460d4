import { describe, expect, it } from 'vitest'
import { Net } from '../../../electron/engine/nn/ir'
import { poolBeforeRelu } from '../../../electron/engine/nn/pool-before-relu'
import { gradCheck } from './nn-gradcheck'

/**
 * MaxPool → Relu instead of Relu → MaxPool (nn/pool-before-relu.ts) must give the same
 * values and the same input gradient to the bit, ties included: flat negative regions
 * (all 0 after relu), exact zeros, and equal positive maxima inside one window and shared
 * by overlapping windows.
 */
function tiedInput(count: number): Float32Array {
  const v = new Float32Array(count)
  for (let i = 0; i < count; i++) {
    const h = Math.floor(i / 9) % 9
    const w = i % 9
    const r = (i * 7919) % 13
    // A dead corner (negative and zero only), elsewhere repeated values with equal maxima.
    v[i] = h < 5 && w < 5 ? (r < 3 ? 0 : -1 - (r % 3)) : r < 5 ? -1 - (r % 2) : r < 7 ? 0 : r < 10 ? 2 : (r - 9) * 0.25
  }
  return v
}

const shape = [2, 3, 9, 9]
const stem = (swap: boolean) => (net: Net, x: string) => {
  net.maxPool(net.relu(x, 'relu'), 'maxpool', { kernel: 3, stride: 2, pad: 1 })
  if (swap) poolBeforeRelu(net, () => true)
}

describe('poolBeforeRelu', () => {
  it('swaps the layers and keeps the pool output name', () => {
    const net = new Net()
    const out = net.maxPool(net.relu(net.input('x', [1, 1, 5, 5]), 'relu'), 'maxpool', { kernel: 3, stride: 2, pad: 1 })
    poolBeforeRelu(net, () => true)
    expect(net.layers.map((l) => `${l.op}:${l.inputs[0]}→${l.output}`)).toEqual(['MaxPool:x→maxpool.before_relu', 'Relu:maxpool.before_relu→maxpool'])
    expect(net.outputValue).toBe(out)
    expect(net.shapeOf('maxpool.before_relu')).toEqual([1, 1, 3, 3])
  })

  it('leaves a relu alone when something else reads its output, or when told not to swap', () => {
    const net = new Net()
    const r = net.relu(net.input('x', [1, 1, 5, 5]), 'relu')
    net.maxPool(r, 'maxpool', { kernel: 3, stride: 2, pad: 1 })
    net.mark('tap', r)
    poolBeforeRelu(net, () => true)
    expect(net.layers.map((l) => l.op)).toEqual(['Relu', 'MaxPool'])
    const other = new Net()
    other.maxPool(other.relu(other.input('x', [1, 1, 5, 5]), 'relu'), 'maxpool', { kernel: 3, stride: 2, pad: 1 })
    poolBeforeRelu(other, () => false)
    expect(other.layers.map((l) => l.op)).toEqual(['Relu', 'MaxPool'])
  })

  it('same output and input gradient to the bit as relu then pool, with tied maxima', async () => {
    const input = tiedInput(shape.reduce((a, b) => a * b, 1))
    const before = await gradCheck({ inputShape: shape, input, build: stem(false), samples: 1 })
    const after = await gradCheck({ inputShape: shape, input, build: stem(true), samples: 1 })
    expect(Array.from(after.outputs.y!.data as Float32Array)).toEqual(Array.from(before.outputs.y!.data as Float32Array))
    const dx = after.analytic.get('x')!
    expect(Array.from(dx)).toEqual(Array.from(before.analytic.get('x')!))
    // The input really has ties and dead (≤ 0) windows, and some gradient gets through.
    expect(dx.some((v) => v !== 0)).toBe(true)
    expect(Array.from(before.outputs.y!.data as Float32Array).filter((v) => v === 0).length).toBeGreaterThan(0)
    expect(Array.from(before.outputs.y!.data as Float32Array).filter((v) => v === 2).length).toBeGreaterThan(4)
  })
})
