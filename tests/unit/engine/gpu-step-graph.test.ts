import { describe, expect, it } from 'vitest'
import { onnxRoot } from '../../../electron/engine/onnx/onnx-proto'
import { stepGradientOptions } from '../../../electron/engine/train/step-session'
import { buildTrainStep, type FreezePreset } from '../../../electron/engine/train/train-step'

/**
 * The training step built for a GPU provider keeps to nodes onnxruntime's WebGPU provider
 * runs (README.md, "Checking the GPU path"; `npm run bench:gpu` runs it on a real Vulkan
 * device). Measured with onnxruntime 1.30 on WebGPU: no kernel for Sum, LogSoftmax or
 * int64 Equal (those nodes fall back to CPU, copying tensors off the GPU every step), none
 * for the com.microsoft.nchwc contrib ops, and MaxPool with an Indices output is accepted
 * but fails when it runs. This checks the graph statically, so it runs without a GPU.
 */
interface NodeProto { name: string; op_type: string; domain?: string; output: string[]; input: string[] }

function nodes(bytes: Uint8Array): NodeProto[] {
  const ModelProto = onnxRoot().lookupType('onnx.ModelProto')
  return (ModelProto.toObject(ModelProto.decode(bytes)) as { graph: { node: NodeProto[] } }).graph.node
}

describe('the training step for GPU providers', () => {
  for (const freeze of ['none', 'all-but-stem'] as FreezePreset[]) {
    it(`${freeze}: only nodes the WebGPU provider runs`, async () => {
      const step = buildTrainStep({ numClasses: 3, width: 0.125, size: 32, batch: 2, freeze, optimizer: 'adamw', gradient: await stepGradientOptions('webgpu') })
      const all = nodes(step.model)
      const ops = new Set(all.map((n) => n.op_type))
      for (const missing of ['Sum', 'LogSoftmax', 'ScatterElements']) expect(ops.has(missing), missing).toBe(false)
      // Float Equal (MaxPool's window mask) runs there; the loss's int64 label compare did not.
      expect(all.filter((n) => n.op_type === 'Equal' && !n.name.startsWith('bwd/maxpool/')).map((n) => n.name)).toEqual([])
      expect(all.filter((n) => n.domain && n.domain !== '').map((n) => `${n.domain}.${n.op_type}`)).toEqual([])
      const pools = all.filter((n) => n.op_type === 'MaxPool')
      expect(pools.length).toBe(1)
      expect(pools.every((n) => n.output.length === 1), 'MaxPool without Indices').toBe(true)
    })
  }

  it('the CPU step keeps its CPU forms (MaxPool Indices for the trained stem)', async () => {
    const step = buildTrainStep({ numClasses: 3, width: 0.125, size: 32, batch: 2, freeze: 'none', optimizer: 'sgd', gradient: await stepGradientOptions('cpu') })
    const pools = nodes(step.model).filter((n) => n.op_type === 'MaxPool')
    expect(pools.some((n) => n.output.length === 2)).toBe(true)
  })
})
