import { ATTRIBUTE_TYPE, DATA_TYPE, type DType, onnxRoot } from './onnx-proto'

/**
 * A small typed ONNX graph builder: values are referred to by name (strings), nodes are
 * appended in topological order, constants become initializers, and `toBytes()` writes a
 * ModelProto pinned to opset 17 (IR version 8). Shapes are static; a dimension may be a
 * symbolic name (e.g. 'N' for a dynamic batch) only on graph inputs and outputs.
 *
 * Attribute values: a plain number or number[] is an INT/INTS attribute (most ONNX
 * attributes are integers: strides, pads, axis); wrap floats with `float()` / `floats()`.
 */

/** The opset every graph the engine writes is pinned to. */
export const OPSET = 17
/** ONNX IR version that goes with opset 17. */
export const IR_VERSION = 8

export type Dim = number | string

/** A constant tensor: data typed by dtype (float32 → Float32Array, int64 → BigInt64Array …). */
export interface ConstTensor {
  dtype: DType
  shape: readonly number[]
  data: Float32Array | Float64Array | BigInt64Array | Int32Array | Uint8Array | Int8Array
}

export interface FloatAttr { kind: 'float'; value: number }
export interface FloatsAttr { kind: 'floats'; value: number[] }
export interface TensorAttr { kind: 'tensor'; value: ConstTensor }
export type AttrValue = number | number[] | string | FloatAttr | FloatsAttr | TensorAttr

export const float = (value: number): FloatAttr => ({ kind: 'float', value })
export const floats = (value: number[]): FloatsAttr => ({ kind: 'floats', value })
export const tensorAttr = (value: ConstTensor): TensorAttr => ({ kind: 'tensor', value })

interface NodeRecord {
  input: string[]
  output: string[]
  name: string
  op_type: string
  domain?: string
  attribute: unknown[]
}

interface ValueInfoRecord { name: string; dtype: DType; shape: readonly Dim[] }

export class GraphBuildError extends Error {
  constructor(message: string) {
    super(`${message} This is a bug in the graph-building code; report it with the model options used.`)
    this.name = 'GraphBuildError'
  }
}

export class OnnxGraph {
  private readonly nodes: NodeRecord[] = []
  private readonly inputs: ValueInfoRecord[] = []
  private readonly outputs: ValueInfoRecord[] = []
  private readonly initializers: Array<{ name: string; tensor: ConstTensor }> = []
  private readonly names = new Set<string>()
  private readonly scalarCache = new Map<string, string>()
  /** Value → the node that writes it (for renaming outputs in place). */
  private readonly producers = new Map<string, NodeRecord>()
  /** Old name → new name for values renamed into graph outputs. */
  private readonly aliases = new Map<string, string>()
  private counter = 0
  /** Operator domains besides the default one (contrib ops such as 'com.microsoft.nchwc'), each at version 1. */
  private readonly domains = new Set<string>()
  /**
   * Prefix for node names ('fwd/layer1.0.conv1', 'bwd/…', 'opt/…'), so onnxruntime's
   * profile (which reports node names) can be attributed to layers and phases.
   */
  scope = ''

  constructor(readonly name: string) {}

  /** Run `emit` with node names prefixed by `scope`; restores the previous scope. */
  inScope<T>(scope: string, emit: () => T): T {
    const previous = this.scope
    this.scope = scope
    try {
      return emit()
    } finally {
      this.scope = previous
    }
  }

  /** A value name not used yet, with a readable prefix (`layer1.0.conv1.dW_7`); claimed when a node writes it. */
  fresh(prefix: string): string {
    let n: string
    do n = `${prefix}_${this.counter++}`
    while (this.names.has(n))
    return n
  }

  private claim(name: string): string {
    if (this.names.has(name)) throw new GraphBuildError(`Value name "${name}" is defined twice in graph "${this.name}".`)
    this.names.add(name)
    return name
  }

  /** Declare a graph input. */
  input(name: string, dtype: DType, shape: readonly Dim[]): string {
    this.inputs.push({ name: this.claim(name), dtype, shape })
    return name
  }

  /**
   * Declare `value` as a graph output named `name`. A value written by a node and not yet an
   * output is renamed in place (later references to the old name still work), which saves
   * the copy an Identity node would make; otherwise an Identity is added.
   */
  output(value: string, name: string, dtype: DType, shape: readonly Dim[]): void {
    const current = this.resolve(value)
    const producer = this.producers.get(current)
    if (current !== name && producer && !this.outputs.some((o) => o.name === current)) {
      this.claim(name)
      producer.output = producer.output.map((o) => (o === current ? name : o))
      for (const node of this.nodes) node.input = node.input.map((i) => (i === current ? name : i))
      this.producers.delete(current)
      this.producers.set(name, producer)
      this.aliases.set(current, name)
    } else if (current !== name) {
      this.op('Identity', [current], {}, [name])
    }
    this.outputs.push({ name, dtype, shape })
  }

  private resolve(name: string): string {
    let n = name
    for (let a = this.aliases.get(n); a !== undefined; a = this.aliases.get(n)) n = a
    return n
  }

  /** A named constant (weights baked in as initializers). */
  initializer(name: string, tensor: ConstTensor): string {
    this.initializers.push({ name: this.claim(name), tensor })
    return name
  }

  /** An anonymous constant. */
  constant(prefix: string, tensor: ConstTensor): string {
    const name = this.claim(this.fresh(prefix))
    this.initializers.push({ name, tensor })
    return name
  }

  /** A float32 constant of any shape (deduplicated for scalars). */
  f32(values: number | number[], shape?: number[]): string {
    const arr = typeof values === 'number' ? [values] : values
    const s = shape ?? (typeof values === 'number' ? [] : [arr.length])
    const key = `f32:${s.join(',')}:${arr.join(',')}`
    if (arr.length <= 8) {
      const hit = this.scalarCache.get(key)
      if (hit) return hit
    }
    const name = this.constant('const_f32', { dtype: 'float32', shape: s, data: Float32Array.from(arr) })
    if (arr.length <= 8) this.scalarCache.set(key, name)
    return name
  }

  /** An int64 1-D constant (shapes, axes, slice bounds), deduplicated. */
  i64(values: number[], shape?: number[]): string {
    const s = shape ?? [values.length]
    const key = `i64:${s.join(',')}:${values.join(',')}`
    const hit = this.scalarCache.get(key)
    if (hit) return hit
    const name = this.constant('const_i64', { dtype: 'int64', shape: s, data: BigInt64Array.from(values.map((v) => BigInt(v))) })
    this.scalarCache.set(key, name)
    return name
  }

  /**
   * Append a node. Returns its output names: `outputs` may be a count (fresh names from
   * the op type) or explicit names. An empty-string input is ONNX's "optional input absent".
   */
  op(opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}, outputs: number | string[] = 1, domain = ''): string[] {
    inputs = inputs.map((i) => this.resolve(i))
    for (const i of inputs) {
      if (i !== '' && !this.names.has(i)) throw new GraphBuildError(`${opType} reads "${i}", which no earlier node, input or initializer defines.`)
    }
    const outNames = typeof outputs === 'number' ? Array.from({ length: outputs }, () => this.claim(this.fresh(opType))) : outputs.map((o) => this.claim(o))
    const node: NodeRecord = {
      input: inputs,
      output: outNames,
      name: this.fresh(this.scope ? `${this.scope}/${opType}_node` : `${opType}_node`),
      op_type: opType,
      ...(domain ? { domain } : {}),
      attribute: Object.entries(attrs).map(([k, v]) => encodeAttribute(k, v))
    }
    if (domain) this.domains.add(domain)
    this.nodes.push(node)
    for (const o of outNames) this.producers.set(o, node)
    return outNames
  }

  /** `op` for the common single-output case. */
  op1(opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}, output?: string): string {
    return this.op(opType, inputs, attrs, output === undefined ? 1 : [output])[0]!
  }

  /** Number of nodes so far (for tests and logs). */
  get nodeCount(): number {
    return this.nodes.length
  }

  /** Serialise as an ONNX ModelProto. */
  toBytes(meta: { producer?: string; doc?: string; metadata?: Record<string, string> } = {}): Uint8Array {
    const root = onnxRoot()
    const ModelProto = root.lookupType('onnx.ModelProto')
    const model = {
      ir_version: IR_VERSION,
      opset_import: [{ domain: '', version: OPSET }, ...[...this.domains].map((domain) => ({ domain, version: 1 }))],
      producer_name: meta.producer ?? 'defect-studio',
      producer_version: '1',
      doc_string: meta.doc ?? '',
      graph: {
        name: this.name,
        node: this.nodes,
        initializer: this.initializers.map(({ name, tensor }) => encodeTensor(name, tensor)),
        input: this.inputs.map(encodeValueInfo),
        output: this.outputs.map(encodeValueInfo)
      },
      metadata_props: Object.entries(meta.metadata ?? {}).map(([key, value]) => ({ key, value }))
    }
    return ModelProto.encode(ModelProto.fromObject(model)).finish()
  }
}

function encodeValueInfo(v: ValueInfoRecord): unknown {
  return {
    name: v.name,
    type: {
      tensor_type: {
        elem_type: DATA_TYPE[v.dtype],
        shape: { dim: v.shape.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d })) }
      }
    }
  }
}

function encodeTensor(name: string, t: ConstTensor): unknown {
  const count = t.shape.reduce((a, b) => a * b, 1)
  if (count !== t.data.length) throw new GraphBuildError(`Constant "${name}" has shape [${t.shape.join(', ')}] but ${t.data.length} values.`)
  // raw_data is little-endian; typed arrays are little-endian on every platform Node runs on.
  const raw = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength)
  return { name, dims: [...t.shape], data_type: DATA_TYPE[t.dtype], raw_data: raw }
}

function encodeAttribute(name: string, v: AttrValue): unknown {
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new GraphBuildError(`Attribute ${name}=${v} is not an integer; wrap floats with float().`)
    return { name, type: ATTRIBUTE_TYPE.INT, i: v }
  }
  if (typeof v === 'string') return { name, type: ATTRIBUTE_TYPE.STRING, s: new TextEncoder().encode(v) }
  if (Array.isArray(v)) {
    if (!v.every(Number.isInteger)) throw new GraphBuildError(`Attribute ${name}=[${v.join(', ')}] is not all integers; wrap floats with floats().`)
    return { name, type: ATTRIBUTE_TYPE.INTS, ints: v }
  }
  switch (v.kind) {
    case 'float':
      return { name, type: ATTRIBUTE_TYPE.FLOAT, f: v.value }
    case 'floats':
      return { name, type: ATTRIBUTE_TYPE.FLOATS, floats: v.value }
    case 'tensor':
      return { name, type: ATTRIBUTE_TYPE.TENSOR, t: encodeTensor('', v.value) }
  }
}
