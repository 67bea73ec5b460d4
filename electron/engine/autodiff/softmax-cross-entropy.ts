import type { OnnxGraph } from '../onnx/graph'

/**
 * Softmax cross-entropy with torch semantics (torch.nn.functional.cross_entropy with
 * `weight` and `label_smoothing`, reduction 'mean'), extended with per-sample weights s_i:
 *
 *   a_ic = s_i · ((1 − ε)·w_{y_i}·[c = y_i] + ε/C · w_c)      target mass per class
 *   D    = Σ_i s_i · w_{y_i}                                   torch's weighted-mean divisor
 *   loss = −Σ_ic a_ic · log p_ic / D
 *   dloss/dz_ic = (p_ic · Σ_c' a_ic' − a_ic) / D
 *
 * With s = 1 this is exactly torch's value; s_i = 0 removes sample i (batch padding).
 */
export interface CrossEntropyInputs {
  logits: string // [N, C] float32
  labels: string // [N] int64
  sampleWeights: string // [N] float32
  classWeights: string // [C] float32
  numClasses: number
  labelSmoothing: number
}

export function emitSoftmaxCrossEntropy(g: OnnxGraph, x: CrossEntropyInputs): { loss: string; dLogits: string } {
  const c = x.numClasses
  const eps = x.labelSmoothing
  // log-softmax spelt out, and the one-hot rows gathered from an identity matrix: onnxruntime's
  // WebGPU provider has no LogSoftmax and no int64 Equal, and would run those nodes on CPU.
  const shifted = g.op1('Sub', [x.logits, g.op1('ReduceMax', [x.logits], { axes: [1], keepdims: 1 })]) // [N, C]
  const logp = g.op1('Sub', [shifted, g.op1('Log', [g.op1('ReduceSum', [g.op1('Exp', [shifted]), g.i64([1])], { keepdims: 1 })])]) // [N, C]
  const p = g.op1('Exp', [logp])
  const identity = new Float32Array(c * c)
  for (let i = 0; i < c; i++) identity[i * c + i] = 1
  const onehot = g.op1('Gather', [g.constant('class_identity', { dtype: 'float32', shape: [c, c], data: identity }), x.labels], { axis: 0 }) // [N, C]
  const sw = g.op1('Mul', [x.sampleWeights, g.op1('Gather', [x.classWeights, x.labels], { axis: 0 })]) // s_i·w_{y_i}: [N]
  let target = g.op1('Mul', [onehot, g.op1('Unsqueeze', [sw, g.i64([1])])]) // [N, C]
  if (eps > 0) {
    const smooth = g.op1('Mul', [g.op1('Unsqueeze', [x.sampleWeights, g.i64([1])]), g.op1('Unsqueeze', [x.classWeights, g.i64([0])])])
    target = g.op1('Add', [g.op1('Mul', [target, g.f32(1 - eps)]), g.op1('Mul', [smooth, g.f32(eps / c)])])
  }
  // D: [] — guarded so an all-padding batch gives loss 0 instead of NaN.
  const divisor = g.op1('Max', [g.op1('ReduceSum', [sw], { keepdims: 0 }), g.f32(1e-12)])
  const loss = g.op1('Div', [g.op1('Neg', [g.op1('ReduceSum', [g.op1('Mul', [target, logp])], { keepdims: 0 })]), divisor])
  const rowMass = g.op1('ReduceSum', [target, g.i64([1])], { keepdims: 1 }) // [N, 1]
  const dLogits = g.op1('Div', [g.op1('Sub', [g.op1('Mul', [p, rowMass]), target]), divisor])
  return { loss, dLogits }
}
