import { describe, expect, it } from 'vitest'
import { onnxRoot } from '../../../electron/engine/onnx/onnx-proto'
import { stepGradientOptions } from '../../../electron/engine/train/step-session'
import { buildTrainStep, type FreezePreset } from '../../../electron/engine/train/train-step'

/**
 * onnxruntime folds every node whose inputs are all constants when the session is created
 * (graph optimisation 'all') and keeps the result as an initializer for the session's life.
 * A ConstantOfShape of a constant, activation-sized shape is therefore not a temporary but a
 * resident tensor: the stem MaxPool backward's zeros were one (98 MB at 224 px, batch 32; the
 * none step alone peaked at 1422 MB with it, 1299 MB without, electron/engine/train/README.md,
 * "Session 9"). No such node may be larger than a parameter-sized constant.
 */
interface NodeProto { name: string; op_type: string; input: string[]; output: string[]; attribute?: { name: string; t?: { dims?: (number | string)[] } }[] }
interface TensorProto { name: string; dims?: (number | string)[]; int64_data?: (number | string)[]; raw_data?: Uint8Array }

function graph(bytes: Uint8Array): { node: NodeProto[]; initializer: TensorProto[] } {
  const ModelProto = onnxRoot().lookupType('onnx.ModelProto')
  const m = ModelProto.toObject(ModelProto.decode(bytes), { longs: Number, bytes: Uint8Array }) as { graph: { node: NodeProto[]; initializer?: TensorProto[] } }
  return { node: m.graph.node, initializer: m.graph.initializer ?? [] }
}

/** The int64 values of a constant tensor (initializer or Constant node's value). */
function int64s(t: TensorProto): number[] {
  if (t.int64_data?.length) return t.int64_data.map(Number)
  if (!t.raw_data) return []
  const view = new DataView(t.raw_data.buffer, t.raw_data.byteOffset, t.raw_data.byteLength)
  return Array.from({ length: t.raw_data.byteLength / 8 }, (_, i) => Number(view.getBigInt64(i * 8, true)))
}

describe('the training step holds no folded activation-sized constants', () => {
  for (const freeze of ['none', 'all-but-stem'] as FreezePreset[]) {
    for (const provider of ['cpu', 'webgpu'] as const) {
      it(`${freeze}, ${provider} forms`, async () => {
        // Batch 4 at 32 px: the stem's MaxPool input is 4·8·16·16 = 8192 values, well above
        // the 1024 allowed (the zeros of a small shape may stay constants).
        const step = buildTrainStep({ numClasses: 3, width: 0.125, size: 32, batch: 4, freeze, optimizer: 'sgd', gradient: await stepGradientOptions(provider) })
        const { node, initializer } = graph(step.model)
        const constants = new Map<string, number[]>(initializer.map((t) => [t.name, int64s(t)]))
        for (const n of node) {
          const value = n.op_type === 'Constant' ? n.attribute?.find((a) => a.name === 'value')?.t : undefined
          if (value) constants.set(n.output[0]!, int64s(value as TensorProto))
        }
        const folded = node
          .filter((n) => n.op_type === 'ConstantOfShape' && constants.has(n.input[0]!))
          .map((n) => ({ name: n.name, elements: constants.get(n.input[0]!)!.reduce((a, b) => a * b, 1) }))
          .filter((f) => f.elements > 1024)
        expect(folded).toEqual([])
      })
    }
  }
})
