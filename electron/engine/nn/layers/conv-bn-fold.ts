import type { OnnxGraph } from '../../onnx/graph'
import { emitNchwcConv, fitsNchwc, fitsNchwcFromNchw } from '../../onnx/nchwc'
import type { BatchNormLayer, ConvLayer } from '../ir'

/**
 * A frozen Conv followed by an eval-mode BatchNormalization, neither needing a backward, as
 * one Conv with folded weights: W' = W · s, b' = β − μ_run · s (+ b · s), s = γ/√(σ²_run + ε).
 * ORT does this fusion itself only for constant weights; in a training graph the weights
 * are inputs, so the fold is written into the graph (it costs a few ops on the weights and
 * saves a full pass over the feature map).
 */
export function emitFoldedConvBn(g: OnnxGraph, conv: ConvLayer, bn: BatchNormLayer, shape: { ci: number; co: number }, nchwcBlock = 0): void {
  const { kernel: k, stride: st, pad: p } = conv
  const scale = g.op1('Mul', [bn.weight, g.op1('Reciprocal', [g.op1('Sqrt', [g.op1('Add', [bn.runningVar, g.f32(bn.eps)])])])]) // [C]
  const weight = g.op1('Mul', [conv.weight, g.op1('Unsqueeze', [scale, g.i64([1, 2, 3])])]) // [Co, Ci, k, k]
  let bias = g.op1('Sub', [bn.bias, g.op1('Mul', [bn.runningMean, scale])]) // [C]
  if (conv.bias) bias = g.op1('Add', [bias, g.op1('Mul', [conv.bias, scale])])
  const { ci, co } = shape
  if (fitsNchwc(ci, co, nchwcBlock) || fitsNchwcFromNchw(ci, co, nchwcBlock)) {
    emitNchwcConv(g, { x: conv.inputs[0], w: weight, bias, ci, co, kernel: k, stride: st, pad: p, block: nchwcBlock }, bn.output)
    return
  }
  g.op1('Conv', [conv.inputs[0], weight, bias], { kernel_shape: [k, k], strides: [st, st], pads: [p, p, p, p] }, bn.output)
}

