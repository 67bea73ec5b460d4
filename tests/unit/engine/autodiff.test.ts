import { describe, expect, it } from 'vitest'
import { planBackward } from '../../../electron/engine/autodiff/backward'
import { resnet18Net } from '../../../electron/engine/models/resnet'
import { onnxRoot } from '../../../electron/engine/onnx/onnx-proto'
import { buildTrainStep, isTrainable, type FreezePreset } from '../../../electron/engine/train/train-step'

function opCounts(bytes: Uint8Array): Map<string, number> {
  const ModelProto = onnxRoot().lookupType('onnx.ModelProto')
  const model = ModelProto.toObject(ModelProto.decode(bytes)) as { graph: { node: Array<{ op_type: string; output: string[] }> } }
  const counts = new Map<string, number>()
  for (const n of model.graph.node) counts.set(n.op_type, (counts.get(n.op_type) ?? 0) + 1)
  return counts
}

// Default formulations: each conv dX is one ConvTranspose.
const build = (freeze: FreezePreset) => buildTrainStep({ numClasses: 3, width: 0.125, size: 32, batch: 2, freeze, optimizer: 'sgd' })

describe('reverse-mode autodiff over the layer IR', () => {
  it('frozen layers emit no backward: op counts per freeze preset', () => {
    const head = opCounts(build('head').model)
    expect(head.get('ConvTranspose') ?? 0).toBe(0) // no conv backward at all
    expect(head.get('ScatterElements') ?? 0).toBe(0)
    // Every frozen Conv → eval BN pair is folded into one Conv (weights are inputs, ORT cannot).
    expect(head.get('BatchNormalization') ?? 0).toBe(0)
    expect(head.get('Conv')).toBe(20)

    const lastStage = opCounts(build('last-stage').model)
    // layer4: 4 convs + downsample; dX only below layer4.0 (its input needs no gradient).
    expect(lastStage.get('ConvTranspose')).toBe(3)
    // A trained BN normalises with batch statistics through the inference op (one pass) and
    // its backward forms the dx correction with a second one; a frozen one is folded into
    // its conv, so the count is twice the trained BNs: layer4's 5.
    expect(lastStage.get('BatchNormalization') ?? 0).toBe(2 * 5)

    const allButStem = opCounts(build('all-but-stem').model)
    expect(allButStem.get('ScatterElements') ?? 0).toBe(0) // the stem's MaxPool needs no backward
    expect(allButStem.get('BatchNormalization') ?? 0).toBe(2 * 19) // all but bn1, which is folded into conv1
    // 19 convs below the stem; those reading the maxpool output (layer1.0.conv1) need no dX.
    expect(allButStem.get('ConvTranspose')).toBe(18)

    const none = opCounts(build('none').model)
    expect(none.get('ScatterElements')).toBe(1)
    expect(none.get('ConvTranspose')).toBe(19) // conv1 reads the images: no dX
    expect(none.get('BatchNormalization') ?? 0).toBe(2 * 20) // every BN trains: none folded
  })

  it('plans gradients only downstream of trainable parameters', () => {
    const net = resnet18Net({ numClasses: 3, width: 0.125, batch: 1, height: 32 })
    const trainable = new Set(net.params.filter((p) => p.kind === 'param' && isTrainable('last-stage', p.name)).map((p) => p.name))
    const plan = planBackward(net, trainable)
    expect(plan.layers.has('layer3.1.relu2')).toBe(false)
    expect(plan.layers.has('layer4.0.conv1')).toBe(true)
    expect(plan.needsGrad.has('layer3.1.relu2')).toBe(false)
    expect(plan.needsGrad.has('fc')).toBe(true)
  })

  it('the alternative formulations replace the default ops (checked numerically in nn-gradients and train-step)', () => {
    const step = buildTrainStep({ numClasses: 3, width: 0.125, size: 32, batch: 2, freeze: 'none', optimizer: 'sgd', gradient: { convWeightGrad: 'dilated-conv', convInputGrad: 'flipped-conv' } })
    const counts = opCounts(step.model)
    expect(counts.get('ConvTranspose')).toBe(6) // strided convs only: 3 stage entries + 3 downsamples
    // 20 forward + 20 weight gradients + 13 flipped-kernel dX of the stride-1 convs
    expect(counts.get('Conv')).toBe(20 + 20 + 13)
    // fc's dX and one tap reversal per stride-1 conv; no per-tap weight-gradient MatMuls
    expect(counts.get('MatMul')).toBe(1 + 13)
  })
})
