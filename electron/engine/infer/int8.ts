import * as ort from 'onnxruntime-node'
import { checkResnetWeights, inputChannelsOf, resnet18Net } from '../models/resnet'
import type { BatchNormLayer, ConvLayer, Net } from '../nn/ir'
import { OnnxGraph } from '../onnx/graph'
import type { TensorMap } from '../tensor'
import type { Int8CheckDto } from '../../../shared/contract/training'

/**
 * INT8 inference for inspection: static QDQ quantisation of our own ResNet18 graph.
 *
 * BN is folded into each conv in JS; weights become per-output-channel symmetric int8
 * (DequantizeLinear, axis 0), biases int32 at scale s_x·s_w; activations are uint8,
 * calibrated (min/max) on the project's own images at these points: the network input,
 * every ReLU output, the max-pool output, and each conv output that feeds a residual Add.
 * onnxruntime's QDQ transformers then fuse DQ→Conv(→Relu)→Q into QLinearConv (VNNI on
 * CPUs that have it) and DQ→Add(→Relu)→Q into QLinearAdd. GAP and fc stay fp32.
 *
 * Quantisation loses accuracy: checkInt8Accuracy compares it with fp32 on labelled
 * validation images, and the caller refuses the INT8 model when it loses more than
 * MAX_INT8_ACCURACY_LOSS.
 */

/** Largest accuracy drop (fraction, 0.005 = half a point) an INT8 model may show against fp32. */
export const MAX_INT8_ACCURACY_LOSS = 0.005

export interface Int8ModelOptions {
  weights: TensorMap
  numClasses: number
  width?: number
  size: number
  /** Output the layer4 map too (heatmaps), dequantised to float32. */
  layer4?: boolean
  /** Output 'probabilities' [N, C] (softmax of the logits) too, as the fp32 inference model does. */
  probabilities?: boolean
}

/** Value name → [min, max] seen on the calibration images. */
export type ActivationRanges = Map<string, [number, number]>

interface Folded {
  weight: Float32Array // [Co, Ci, k, k]
  bias: Float32Array // [Co]
  shape: number[]
}

/** W' = W·s, b' = β − μ·s (+ b·s), s = γ/√(σ² + ε), per output channel. */
function foldConvBn(weights: TensorMap, conv: ConvLayer, bn: BatchNormLayer): Folded {
  const w = weights.get(conv.weight)!
  const [co] = w.shape as [number]
  const per = w.data.length / co
  const gamma = weights.get(bn.weight)!.data
  const beta = weights.get(bn.bias)!.data
  const mean = weights.get(bn.runningMean)!.data
  const variance = weights.get(bn.runningVar)!.data
  const convBias = conv.bias ? weights.get(conv.bias)!.data : undefined
  const weight = new Float32Array(w.data.length)
  const bias = new Float32Array(co)
  for (let c = 0; c < co; c++) {
    const s = gamma[c]! / Math.sqrt(variance[c]! + bn.eps)
    for (let i = 0; i < per; i++) weight[c * per + i] = w.data[c * per + i]! * s
    bias[c] = beta[c]! - mean[c]! * s + (convBias ? convBias[c]! * s : 0)
  }
  return { weight, bias, shape: [...w.shape] }
}

/** uint8 affine parameters covering [min, max] (0 always representable, as ONNX requires). */
export function activationParams([min, max]: [number, number]): { scale: number; zeroPoint: number } {
  const lo = Math.min(0, min)
  const hi = Math.max(0, max)
  const scale = hi - lo > 0 ? (hi - lo) / 255 : 1
  return { scale, zeroPoint: Math.min(255, Math.max(0, Math.round(-lo / scale))) }
}

/**
 * Emit the folded network. In calibration mode (no ranges) every quantisation point is an
 * extra output; with ranges, each point gets a QuantizeLinear → DequantizeLinear pair and
 * convs take int8 weights.
 */
function emitNetwork(net: Net, weights: TensorMap, o: Int8ModelOptions, ranges?: ActivationRanges): { bytes: Uint8Array; points: string[] } {
  const g = new OnnxGraph(ranges ? 'resnet18_int8' : 'resnet18_calibration')
  const [, c, h, w] = net.shapeOf(net.inputValue)
  g.input(net.inputValue, 'float32', ['N', c!, h!, w!])
  const producer = new Map(net.layers.map((l) => [l.output, l]))
  const consumers = new Map<string, string[]>()
  for (const l of net.layers) for (const i of l.inputs) consumers.set(i, [...(consumers.get(i) ?? []), l.op])
  // BN layer name → its conv (every BN in ResNet18 follows a conv with no other consumer).
  const convOf = new Map<string, ConvLayer>()
  for (const l of net.layers) if (l.op === 'BatchNormalization') convOf.set(l.name, producer.get(l.inputs[0]) as ConvLayer)
  const points: string[] = []
  const value = new Map<string, string>() // IR value → graph value (after quantisation)
  const scaleOf = new Map<string, number>()
  const read = (v: string): string => value.get(v) ?? v
  const quantPoint = (v: string, graphValue: string, shareWith?: string): void => {
    points.push(v)
    if (!ranges) {
      value.set(v, graphValue)
      return
    }
    const range = ranges.get(shareWith ?? v)
    if (!range) throw new Error(`No calibration range for "${v}".`)
    const { scale, zeroPoint } = activationParams(range)
    scaleOf.set(v, scale)
    const s = g.constant(`${v}.scale`, { dtype: 'float32', shape: [], data: Float32Array.of(scale) })
    const zp = g.constant(`${v}.zero_point`, { dtype: 'uint8', shape: [], data: Uint8Array.of(zeroPoint) })
    const q = g.op1('QuantizeLinear', [graphValue, s, zp])
    value.set(v, g.op1('DequantizeLinear', [q, s, zp]))
  }
  quantPoint(net.inputValue, net.inputValue)
  for (const layer of net.layers) {
    switch (layer.op) {
      case 'Conv':
        break // emitted with its BN
      case 'BatchNormalization': {
        const conv = convOf.get(layer.name)!
        const f = foldConvBn(weights, conv, layer)
        const { kernel: k, stride: st, pad: p } = conv
        const attrs = { kernel_shape: [k, k], strides: [st, st], pads: [p, p, p, p] }
        const x = read(conv.inputs[0])
        let wv: string
        let bv: string
        if (!ranges) {
          wv = g.constant(`${conv.name}.w`, { dtype: 'float32', shape: f.shape, data: f.weight })
          bv = g.constant(`${conv.name}.b`, { dtype: 'float32', shape: [f.shape[0]!], data: f.bias })
        } else {
          const co = f.shape[0]!
          const per = f.weight.length / co
          const ws = new Float32Array(co)
          const wq = new Int8Array(f.weight.length)
          const sx = scaleOf.get(conv.inputs[0])!
          const bs = new Float32Array(co)
          const bq = new Int32Array(co)
          for (let c = 0; c < co; c++) {
            let m = 0
            for (let i = 0; i < per; i++) m = Math.max(m, Math.abs(f.weight[c * per + i]!))
            ws[c] = m > 0 ? m / 127 : 1
            for (let i = 0; i < per; i++) wq[c * per + i] = Math.max(-127, Math.min(127, Math.round(f.weight[c * per + i]! / ws[c]!)))
            bs[c] = sx * ws[c]!
            bq[c] = Math.round(f.bias[c]! / bs[c]!)
          }
          const wScale = g.constant(`${conv.name}.w_scale`, { dtype: 'float32', shape: [co], data: ws })
          const wZero = g.constant(`${conv.name}.w_zero`, { dtype: 'int8', shape: [co], data: new Int8Array(co) })
          wv = g.op1('DequantizeLinear', [g.constant(`${conv.name}.w_int8`, { dtype: 'int8', shape: f.shape, data: wq }), wScale, wZero], { axis: 0 })
          const bScale = g.constant(`${conv.name}.b_scale`, { dtype: 'float32', shape: [co], data: bs })
          const bZero = g.constant(`${conv.name}.b_zero`, { dtype: 'int32', shape: [co], data: new Int32Array(co) })
          bv = g.op1('DequantizeLinear', [g.constant(`${conv.name}.b_int32`, { dtype: 'int32', shape: [co], data: bq }), bScale, bZero], { axis: 0 })
        }
        const y = g.op1('Conv', [x, wv, bv], attrs)
        value.set(layer.output, y)
        // A conv output that feeds the residual Add (not a ReLU) is quantised there.
        if (!(consumers.get(layer.output) ?? []).includes('Relu')) quantPoint(layer.output, y)
        break
      }
      case 'Relu':
        quantPoint(layer.output, g.op1('Relu', [read(layer.inputs[0])]))
        break
      case 'MaxPool': {
        const { kernel: k, stride: st, pad: p } = layer
        // Max-pooling keeps the range: same scale as its input, so the Q/DQ pair drops out.
        quantPoint(layer.output, g.op1('MaxPool', [read(layer.inputs[0])], { kernel_shape: [k, k], strides: [st, st], pads: [p, p, p, p] }), layer.inputs[0])
        break
      }
      case 'Add':
        value.set(layer.output, g.op1('Add', [read(layer.inputs[0]), read(layer.inputs[1])]))
        break
      case 'GlobalAveragePool':
        value.set(layer.output, g.op1('GlobalAveragePool', [read(layer.inputs[0])]))
        break
      case 'Flatten':
        value.set(layer.output, g.op1('Flatten', [read(layer.inputs[0])], { axis: 1 }))
        break
      case 'Gemm': {
        const fw = weights.get(layer.weight)!
        const fb = weights.get(layer.bias)!
        const wv = g.constant('fc.w', { dtype: 'float32', shape: fw.shape, data: fw.data })
        const bv = g.constant('fc.b', { dtype: 'float32', shape: fb.shape, data: fb.data })
        value.set(layer.output, g.op1('Gemm', [read(layer.inputs[0]), wv, bv], { transB: 1 }))
        break
      }
    }
  }
  g.output(read(net.outputValue), 'logits', 'float32', ['N', o.numClasses])
  if (o.probabilities && ranges) g.output(g.op1('Softmax', [read(net.outputValue)], { axis: 1 }), 'probabilities', 'float32', ['N', o.numClasses])
  if (o.layer4) {
    const l4 = net.marks.get('layer4')!
    g.output(read(l4), 'layer4', 'float32', ['N', ...net.shapeOf(l4).slice(1)])
  }
  if (!ranges) points.forEach((p, i) => g.output(read(p), `calib_${i}`, 'float32', ['N', ...net.shapeOf(p).slice(1)]))
  return { bytes: g.toBytes({ doc: `torchvision resnet18, width ${o.width ?? 1}, ${o.numClasses} classes, ${ranges ? 'INT8 (QDQ)' : 'calibration'}` }), points }
}

/** The network for these weights: a one-channel stem when their conv1 reads one channel. */
function netFor(o: Int8ModelOptions): Net {
  const inputChannels = inputChannelsOf(o.weights)
  checkResnetWeights({ ...o, inputChannels }, o.weights)
  return resnet18Net({ numClasses: o.numClasses, width: o.width, inputChannels, batch: 1, height: o.size })
}

/**
 * Calibrate on preprocessed images ([count, C, S, S] float32, the inspection transform; C = the weights' input channels) in
 * batches, then build the INT8 model. Returns the ONNX bytes and the ranges used.
 */
export async function buildResnet18Int8(o: Int8ModelOptions & { calibration: Float32Array; threads?: number; batch?: number }): Promise<{ model: Uint8Array; ranges: ActivationRanges }> {
  const net = netFor(o)
  const channels = net.shapeOf(net.inputValue)[1]!
  const per = channels * o.size * o.size
  const count = o.calibration.length / per
  if (!Number.isInteger(count) || count < 1) throw new Error(`Calibration needs at least one ${o.size}×${o.size} image; got ${o.calibration.length} values.`)
  const { bytes, points } = emitNetwork(net, o.weights, o)
  const session = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'all', ...(o.threads ? { intraOpNumThreads: o.threads, interOpNumThreads: 1 } : {}) })
  const ranges: ActivationRanges = new Map()
  const batch = o.batch ?? 16
  try {
    for (let start = 0; start < count; start += batch) {
      const n = Math.min(batch, count - start)
      const out = await session.run({ [net.inputValue]: new ort.Tensor('float32', o.calibration.subarray(start * per, (start + n) * per), [n, channels, o.size, o.size]) })
      points.forEach((p, i) => {
        const data = out[`calib_${i}`]!.data as Float32Array
        let [lo, hi] = ranges.get(p) ?? [Infinity, -Infinity]
        for (let k = 0; k < data.length; k++) {
          const v = data[k]!
          if (v < lo) lo = v
          if (v > hi) hi = v
        }
        ranges.set(p, [lo, hi])
      })
    }
  } finally {
    await session.release()
  }
  return { model: emitNetwork(net, o.weights, o, ranges).bytes, ranges }
}

/**
 * The INT8 model for ranges calibrated earlier (buildResnet18Int8): deterministic and
 * cheap (no calibration run), so a model version keeps only its ranges (a few hundred
 * bytes) and the graph is rebuilt from its weights when inspection loads it.
 */
export function buildResnet18Int8FromRanges(o: Int8ModelOptions, ranges: ActivationRanges): Uint8Array {
  return emitNetwork(netFor(o), o.weights, o, ranges).bytes
}

/** Ranges as plain JSON (value name → [min, max]) and back; bad entries are refused by name. */
export function rangesToJson(ranges: ActivationRanges): Record<string, [number, number]> {
  return Object.fromEntries(ranges)
}
export function rangesFromJson(json: unknown): ActivationRanges {
  if (!json || typeof json !== 'object' || Array.isArray(json)) throw new Error('INT8 calibration ranges must be an object of value name → [min, max].')
  const out: ActivationRanges = new Map()
  for (const [name, r] of Object.entries(json as Record<string, unknown>)) {
    if (!Array.isArray(r) || r.length !== 2 || !r.every((v) => typeof v === 'number' && Number.isFinite(v)) || r[0] > r[1]) {
      throw new Error(`INT8 calibration range "${name}" is not [min, max] of finite numbers.`)
    }
    out.set(name, [r[0] as number, r[1] as number])
  }
  return out
}

/** The check's figures are the contract's (one declaration; the screen and CLI show them as they are). */
export type Int8AccuracyCheck = Int8CheckDto

/** Compare INT8 with fp32 on labelled validation logits ([n, C] each, labels [n]). */
export function checkInt8Accuracy(o: { fp32Logits: Float32Array; int8Logits: Float32Array; labels: ArrayLike<number>; numClasses: number }): Int8AccuracyCheck {
  const n = o.labels.length
  const argmax = (l: Float32Array, i: number): number => {
    let best = 0
    for (let c = 1; c < o.numClasses; c++) if (l[i * o.numClasses + c]! > l[i * o.numClasses + best]!) best = c
    return best
  }
  let fp = 0
  let q = 0
  let same = 0
  for (let i = 0; i < n; i++) {
    const a = argmax(o.fp32Logits, i)
    const b = argmax(o.int8Logits, i)
    if (a === o.labels[i]) fp++
    if (b === o.labels[i]) q++
    if (a === b) same++
  }
  if (n === 0) return { images: 0, fp32Accuracy: 0, int8Accuracy: 0, lost: 0, agreement: 0, accepted: false, reason: 'No labelled validation images to check INT8 against fp32; INT8 is not used.' }
  const lost = (fp - q) / n
  const accepted = lost <= MAX_INT8_ACCURACY_LOSS + 1e-12
  const pts = (x: number): string => `${(x * 100).toFixed(1)} %`
  return {
    images: n,
    fp32Accuracy: fp / n,
    int8Accuracy: q / n,
    lost,
    agreement: same / n,
    accepted,
    reason: accepted
      ? `INT8 accuracy ${pts(q / n)} vs fp32 ${pts(fp / n)} on ${n} validation images: within ${(MAX_INT8_ACCURACY_LOSS * 100).toFixed(1)} points.`
      : `INT8 loses ${(lost * 100).toFixed(1)} points of accuracy against fp32 (${pts(q / n)} vs ${pts(fp / n)} on ${n} validation images), more than ${(MAX_INT8_ACCURACY_LOSS * 100).toFixed(1)}; the fp32 model is used.`
  }
}


/** A version's calibration and check (services/int8-model.ts stores it when accepted). */
export interface Int8Calibration {
  ranges: Record<string, [number, number]>
  check: Int8AccuracyCheck
  calibrationImages: number
  createdAt: string
}

/**
 * Why a version does not run in INT8: its check lost more than MAX_INT8_ACCURACY_LOSS
 * ('accuracy'), it has no weights to build the INT8 graph from ('no-weights'), or the
 * project has no labelled validation images of its classes to check with ('no-validation').
 */
export type Int8RefusalCode = 'accuracy' | 'no-weights' | 'no-validation'

/** What calibrating and checking a version gave: `record` is null when nothing could be checked. */
export interface Int8Outcome {
  version: number
  record: Int8Calibration | null
  refusal: { code: Int8RefusalCode; message: string } | null
}
