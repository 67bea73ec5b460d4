import * as ort from 'onnxruntime-node'
import { describe, expect, it } from 'vitest'
import { float, floats, GraphBuildError, IR_VERSION, OnnxGraph, OPSET } from '../../../electron/engine/onnx/graph'
import { onnxRoot } from '../../../electron/engine/onnx/onnx-proto'

function decode(bytes: Uint8Array) {
  return onnxRoot().lookupType('onnx.ModelProto').toObject(onnxRoot().lookupType('onnx.ModelProto').decode(bytes), { longs: Number, bytes: Array }) as {
    ir_version: number
    opset_import: Array<{ domain?: string; version: number }>
    graph: { node: Array<{ op_type: string; attribute: Array<{ name: string; type: number; i?: number; f?: number; ints?: number[]; floats?: number[] }> }>; input: Array<{ name: string; type: { tensor_type: { shape: { dim: Array<{ dim_value?: number; dim_param?: string }> } } } }>; initializer: Array<{ name: string; dims: number[]; data_type: number }> }
  }
}

describe('OnnxGraph', () => {
  it('writes a ModelProto pinned to opset 17 / IR 8 that onnxruntime runs, with symbolic batch dims', async () => {
    const g = new OnnxGraph('affine')
    const x = g.input('x', 'float32', ['N', 3]) // x: [N, 3]
    const w = g.initializer('w', { dtype: 'float32', shape: [3, 2], data: Float32Array.of(1, 0, 0, 1, 1, 1) })
    const y = g.op1('Add', [g.op1('MatMul', [x, w]), g.f32([0.5, -0.5], [2])])
    g.output(g.op1('LeakyRelu', [y], { alpha: float(0.1) }), 'y', 'float32', ['N', 2])
    const bytes = g.toBytes()
    const model = decode(bytes)
    expect(model.ir_version).toBe(IR_VERSION)
    expect(model.opset_import).toEqual([{ domain: '', version: OPSET }])
    expect(OPSET).toBe(17)
    expect(model.graph.input[0]!.type.tensor_type.shape.dim).toEqual([{ dim_param: 'N' }, { dim_value: 3 }])
    expect(model.graph.initializer.find((i) => i.name === 'w')).toMatchObject({ dims: [3, 2], data_type: 1 })
    const leaky = model.graph.node.find((n) => n.op_type === 'LeakyRelu')!
    expect(leaky.attribute[0]).toMatchObject({ name: 'alpha', type: 1 })
    expect(leaky.attribute[0]!.f).toBeCloseTo(0.1, 6)

    const session = await ort.InferenceSession.create(bytes)
    const out = await session.run({ x: new ort.Tensor('float32', Float32Array.of(1, 2, 3, -4, -5, -6), [2, 3]) })
    expect(Array.from(out.y!.data as Float32Array)).toEqual([4.5, 4.5, -0.95, -1.15].map((v) => Math.fround(v)))
  })

  it('encodes integer lists as INTS and float lists as FLOATS', () => {
    const g = new OnnxGraph('attrs')
    const x = g.input('x', 'float32', [1, 1, 4, 4])
    g.output(g.op1('MaxPool', [x], { kernel_shape: [2, 2], strides: [2, 2] }), 'y', 'float32', [1, 1, 2, 2])
    g.op1('Resize', [x, '', g.f32([1, 1, 2, 2], [4])], { mode: 'nearest' })
    const node = decode(g.toBytes()).graph.node.find((n) => n.op_type === 'MaxPool')!
    expect(node.attribute.find((a) => a.name === 'kernel_shape')).toMatchObject({ type: 7, ints: [2, 2] })
    expect(() => g.op1('Relu', [x], { alpha: 0.5 })).toThrow(/wrap floats with float/)
    expect(() => g.op1('Relu', [x], { scales: [0.5, 1] })).toThrow(/floats\(\)/)
    expect(floats([0.5]).kind).toBe('floats')
  })

  it('renames a value into an output in place; later references and a second output still work', async () => {
    const g = new OnnxGraph('rename')
    const x = g.input('x', 'float32', [2])
    const doubled = g.op1('Mul', [x, g.f32(2)])
    g.output(doubled, 'a', 'float32', [2]) // renamed in place: no Identity
    g.output(g.op1('Add', [doubled, g.f32(1)]), 'b', 'float32', [2]) // reads the old name
    g.output(doubled, 'c', 'float32', [2]) // already an output: an Identity copy
    g.output(x, 'd', 'float32', [2]) // a graph input: an Identity copy
    const ops = decode(g.toBytes()).graph.node.map((n) => n.op_type)
    expect(ops.filter((o) => o === 'Identity')).toHaveLength(2)
    const session = await ort.InferenceSession.create(g.toBytes())
    const out = await session.run({ x: new ort.Tensor('float32', Float32Array.of(1, 2), [2]) })
    expect([...(out.a!.data as Float32Array)]).toEqual([2, 4])
    expect([...(out.b!.data as Float32Array)]).toEqual([3, 5])
    expect([...(out.c!.data as Float32Array)]).toEqual([2, 4])
    expect([...(out.d!.data as Float32Array)]).toEqual([1, 2])
  })

  it('refuses a value defined twice or read before it is defined', () => {
    const g = new OnnxGraph('bad')
    const x = g.input('x', 'float32', [1])
    expect(() => g.input('x', 'float32', [1])).toThrow(GraphBuildError)
    expect(() => g.op1('Relu', ['nowhere'])).toThrow(/reads "nowhere"/)
    g.op1('Relu', [x], {}, 'y')
    expect(() => g.op1('Relu', [x], {}, 'y')).toThrow(/defined twice/)
  })
})
