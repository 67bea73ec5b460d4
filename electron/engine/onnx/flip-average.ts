import type protobuf from 'protobufjs'
import { ATTRIBUTE_TYPE, DATA_TYPE, onnxRoot } from './onnx-proto'

/**
 * Test-time flips: wrap a classifier model (input 'input' [N, C, S, S]; outputs 'logits'
 * [N, K], optionally 'probabilities' [N, K] and 'layer4' [N, F, h, w]) so that it runs on
 * the image and its three mirror images (left-right, top-bottom, both) as one batch of 4N
 * and answers with the mean of the four softmax outputs. 'logits' becomes log(mean
 * probability), so softmax(logits) is that mean and every reader of either output (PASS
 * threshold, argmax, INT8 check) sees the averaged answer; 'layer4' (the heatmap's
 * features) is the unflipped image's.
 *
 * It works on the serialised model, so the fp32 and the INT8 builders and a stored model
 * are wrapped the same way, and the INT8 calibration's value names are untouched. The
 * model's metadata says it was wrapped ('test_time_flips' = '4').
 */

/** The model metadata key a wrapped model carries. */
export const FLIPS_METADATA_KEY = 'test_time_flips'

interface NodeMsg { input: string[]; output: string[]; name?: string; op_type: string; attribute?: unknown[] }
interface ValueInfoMsg { name: string; type?: { tensor_type?: { shape?: { dim?: Array<{ dim_value?: number | { toNumber(): number }; dim_param?: string }> } } } }
interface ModelMsg {
  graph: { node: NodeMsg[]; input: ValueInfoMsg[]; output: ValueInfoMsg[]; initializer: unknown[] }
  metadata_props?: Array<{ key: string; value: string }>
  doc_string?: string
}

export class FlipAverageError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'FlipAverageError'
  }
}

const decode = (bytes: Uint8Array) => onnxRoot().lookupType('onnx.ModelProto').decode(bytes) as unknown as ModelMsg
const isWrapped = (model: ModelMsg) => (model.metadata_props ?? []).some((p) => p.key === FLIPS_METADATA_KEY)

/** Whether a serialised model was wrapped by withFlipAveraging. */
export function hasFlipAveraging(bytes: Uint8Array): boolean {
  return isWrapped(decode(bytes))
}

export function withFlipAveraging(bytes: Uint8Array): Uint8Array {
  const model = decode(bytes)
  if (isWrapped(model)) return bytes
  const { graph } = model
  const outputs = new Set(graph.output.map((o) => o.name))
  if (graph.input.length !== 1 || graph.input[0]!.name !== 'input') throw new FlipAverageError('Test-time flips need a model with one input named "input".')
  if (!outputs.has('logits')) throw new FlipAverageError('Test-time flips need a classifier model with a "logits" output.')
  for (const name of outputs) {
    if (!['logits', 'probabilities', 'layer4'].includes(name)) throw new FlipAverageError(`Test-time flips cannot average the model's "${name}" output (only logits, probabilities and layer4).`)
  }
  const logitsDims = graph.output.find((o) => o.name === 'logits')!.type?.tensor_type?.shape?.dim ?? []
  const k = Number(logitsDims[1]?.dim_value ?? 0)
  if (!(k > 0)) throw new FlipAverageError('The model\'s "logits" output does not declare its class count.')

  // The backbone reads the batch of four views and writes 4N rows.
  const renamed: Record<string, string> = { input: 'flips.views', logits: 'flips.logits4', probabilities: 'flips.unused_probabilities4', layer4: 'flips.layer4_4' }
  const rename = (v: string) => renamed[v] ?? v
  const body = graph.node
    .map((n) => ({ ...n, input: n.input.map(rename), output: n.output.map(rename) }))
    // The backbone's own softmax of 4N rows is replaced by the mean below.
    .filter((n) => !(n.output.length === 1 && n.output[0] === 'flips.unused_probabilities4'))

  const initializers: unknown[] = []
  const i64 = (name: string, values: bigint[]) => {
    initializers.push({ name, dims: [values.length], data_type: DATA_TYPE.int64, raw_data: new Uint8Array(BigInt64Array.from(values).buffer) })
    return name
  }
  const f32 = (name: string, value: number) => {
    initializers.push({ name, dims: [], data_type: DATA_TYPE.float32, raw_data: new Uint8Array(Float32Array.of(value).buffer) })
    return name
  }
  const int = (name: string, i: number) => ({ name, type: ATTRIBUTE_TYPE.INT, i })
  const ints = (name: string, v: number[]) => ({ name, type: ATTRIBUTE_TYPE.INTS, ints: v })
  const node = (op_type: string, input: string[], output: string, attribute: unknown[] = []): NodeMsg => ({ op_type, input, output: [output], name: `flips/${output}`, attribute })

  // Slice with step −1 from the last element to before the first: a mirror along one axis.
  const last = i64('flips.last', [-1n])
  const beforeFirst = i64('flips.before_first', [-(2n ** 63n) + 1n])
  const back = i64('flips.step_back', [-1n])
  const axisW = i64('flips.axis_w', [3n])
  const axisH = i64('flips.axis_h', [2n])
  const pre: NodeMsg[] = [
    node('Slice', ['input', last, beforeFirst, axisW, back], 'flips.mirror_lr'),
    node('Slice', ['input', last, beforeFirst, axisH, back], 'flips.mirror_tb'),
    node('Slice', ['flips.mirror_lr', last, beforeFirst, axisH, back], 'flips.mirror_both'),
    // [4N, C, S, S]: rows 0..N-1 the image itself, then each mirror.
    node('Concat', ['input', 'flips.mirror_lr', 'flips.mirror_tb', 'flips.mirror_both'], 'flips.views', [int('axis', 0)])
  ]
  const post: NodeMsg[] = [
    node('Softmax', ['flips.logits4'], 'flips.probabilities4', [int('axis', 1)]),
    // [4, N, K] → mean over the views → [N, K]
    node('Reshape', ['flips.probabilities4', i64('flips.by_view', [4n, -1n, BigInt(k)])], 'flips.by_view_probabilities'),
    node('ReduceMean', ['flips.by_view_probabilities'], outputs.has('probabilities') ? 'probabilities' : 'flips.mean', [ints('axes', [0]), int('keepdims', 0)]),
    // The floor keeps log finite where all four views give a class exactly 0.
    node('Max', [outputs.has('probabilities') ? 'probabilities' : 'flips.mean', f32('flips.floor', 1e-30)], 'flips.floored'),
    node('Log', ['flips.floored'], 'logits')
  ]
  if (outputs.has('layer4')) {
    post.push(
      node('Shape', ['input'], 'flips.input_shape'),
      node('Slice', ['flips.input_shape', i64('flips.zero', [0n]), i64('flips.one', [1n])], 'flips.n'),
      node('Slice', ['flips.layer4_4', 'flips.zero', 'flips.n', 'flips.zero'], 'layer4')
    )
  }
  graph.node = [...pre, ...body, ...post]
  graph.initializer = [...graph.initializer, ...initializers]
  model.metadata_props = [...(model.metadata_props ?? []), { key: FLIPS_METADATA_KEY, value: '4' }]
  model.doc_string = `${model.doc_string ?? ''}; test-time flips (mean of 4 views)`
  return onnxRoot().lookupType('onnx.ModelProto').encode(model as unknown as protobuf.Message).finish()
}
