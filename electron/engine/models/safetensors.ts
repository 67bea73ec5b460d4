import type { Tensor, TensorMap } from '../tensor'
import { elementCount } from '../tensor'

/**
 * The .safetensors format (https://github.com/huggingface/safetensors#format), written by
 * hand because no maintained JS package is installed and Debian has no python3-safetensors:
 *   8 bytes  little-endian u64 N = header length
 *   N bytes  UTF-8 JSON: { name: { dtype, shape, data_offsets: [begin, end] }, "__metadata__"?: {str: str} }
 *   rest     raw little-endian tensor data; offsets are relative to the end of the header.
 * Everything is read into Float32Array (the engine computes in fp32); F16, BF16 and F64
 * are converted on read. Integer tensors (e.g. BN's num_batches_tracked, I64) are
 * converted to float too so a checkpoint loads whole; weights.ts drops the ones it ignores.
 */

export class SafetensorsError extends Error {
  constructor(message: string) {
    super(`${message} The file is not a valid .safetensors weights file; export it again (safetensors.torch.save_file) or choose another file.`)
    this.name = 'SafetensorsError'
  }
}

interface HeaderEntry {
  dtype: string
  shape: number[]
  data_offsets: [number, number]
}

const BYTES_PER_ELEMENT: Record<string, number> = { F32: 4, F16: 2, BF16: 2, F64: 8, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 }

/** Header of a safetensors file, largest we accept (the format's reference reader caps it at 100 MB). */
const MAX_HEADER_BYTES = 100 * 1024 * 1024

/** Parse .safetensors bytes into float32 tensors (names in file order). */
export function readSafetensors(bytes: Uint8Array): TensorMap {
  return readSafetensorsWithMetadata(bytes).tensors
}

/** Like readSafetensors, also returning the `__metadata__` string map and each tensor's stored dtype. */
export function readSafetensorsWithMetadata(bytes: Uint8Array): { tensors: TensorMap; metadata: Record<string, string>; dtypes: Map<string, string> } {
  // Until the header proves to be a safetensors header, messages name no value read from
  // the file: a wrong file (say /etc/passwd) must not have its bytes echoed back.
  if (bytes.byteLength < 8) throw new SafetensorsError(`Not a safetensors file: ${bytes.byteLength} bytes is too short for its header.`)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const headerLength = Number(view.getBigUint64(0, true))
  if (headerLength > MAX_HEADER_BYTES || 8 + headerLength > bytes.byteLength) {
    throw new SafetensorsError('Not a safetensors file: its first 8 bytes are not a header length that fits the file.')
  }
  let header: Record<string, unknown>
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength))) as Record<string, unknown>
  } catch {
    throw new SafetensorsError('Not a safetensors file: its header is not valid UTF-8 JSON.')
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) throw new SafetensorsError('Not a safetensors file: its header is not a JSON object.')
  const dataStart = 8 + headerLength
  const dataLength = bytes.byteLength - dataStart
  const metadata: Record<string, string> = {}
  const tensors: TensorMap = new Map()
  const dtypes = new Map<string, string>()
  const ranges: Array<[number, number, string]> = []
  for (const [name, raw] of Object.entries(header)) {
    if (name === '__metadata__') {
      if (raw && typeof raw === 'object') for (const [k, v] of Object.entries(raw)) if (typeof v === 'string') metadata[k] = v
      continue
    }
    const entry = validateEntry(name, raw)
    const [begin, end] = entry.data_offsets
    if (end > dataLength) throw new SafetensorsError(`Tensor ${quoteName(name)} ends at byte ${end} of the data, which has only ${dataLength} bytes (truncated file?).`)
    const count = elementCount(entry.shape)
    const expected = count * BYTES_PER_ELEMENT[entry.dtype]!
    if (end - begin !== expected) {
      throw new SafetensorsError(`Tensor ${quoteName(name)} has ${end - begin} bytes but dtype ${entry.dtype} and shape [${entry.shape.join(', ')}] need ${expected}.`)
    }
    ranges.push([begin, end, name])
    tensors.set(name, { shape: entry.shape, data: decode(bytes, dataStart + begin, count, entry.dtype) })
    dtypes.set(name, entry.dtype)
  }
  // Overlapping tensors would mean a corrupt header (the format forbids them).
  ranges.sort((a, b) => a[0] - b[0])
  for (let i = 1; i < ranges.length; i++) {
    if (ranges[i]![0] < ranges[i - 1]![1]) throw new SafetensorsError(`Tensors ${quoteName(ranges[i - 1]![2])} and ${quoteName(ranges[i]![2])} overlap in the data.`)
  }
  return { tensors, metadata, dtypes }
}

function validateEntry(name: string, raw: unknown): HeaderEntry {
  const e = raw as Partial<HeaderEntry> | null
  // Only an entry shaped like a tensor description (dtype, shape, data_offsets) makes this a
  // safetensors file whose tensor names may be quoted; any other JSON is not echoed.
  const tensorLike = !!e && typeof e === 'object' && typeof e.dtype === 'string' && /^[A-Za-z0-9_]{1,16}$/.test(e.dtype) && Array.isArray(e.shape) && Array.isArray(e.data_offsets)
  if (!tensorLike) throw new SafetensorsError('Not a safetensors file: its header entries are not tensor descriptions.')
  const shown = quoteName(name)
  if (!(e.dtype! in BYTES_PER_ELEMENT)) {
    throw new SafetensorsError(`Tensor ${shown} has unsupported dtype "${e.dtype}" (supported: ${Object.keys(BYTES_PER_ELEMENT).join(', ')}).`)
  }
  if (!e.shape!.every((d) => Number.isInteger(d) && d >= 0) || e.shape!.length > 16) throw new SafetensorsError(`Tensor ${shown} has an invalid shape.`)
  const o = e.data_offsets!
  if (o.length !== 2 || !o.every((d) => Number.isSafeInteger(d) && d >= 0) || o[1]! < o[0]!) {
    throw new SafetensorsError(`Tensor ${shown} has invalid data_offsets.`)
  }
  return e as HeaderEntry
}

/** A tensor name for a message: quoted, printable, at most 100 characters. */
function quoteName(name: string): string {
  const clean = [...name].filter((c) => c.charCodeAt(0) >= 0x20 && c.charCodeAt(0) !== 0x7f).join('')
  return JSON.stringify(clean.length > 100 ? `${clean.slice(0, 100)}…` : clean)
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1

function decode(bytes: Uint8Array, start: number, count: number, dtype: string): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset + start, count * BYTES_PER_ELEMENT[dtype]!)
  const out = new Float32Array(count)
  switch (dtype) {
    case 'F32':
      // Typed arrays use the platform's byte order: copy bytes directly on little-endian machines.
      if (LITTLE_ENDIAN) new Uint8Array(out.buffer).set(bytes.subarray(start, start + count * 4))
      else for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, true)
      break
    case 'F64':
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(i * 8, true)
      break
    case 'F16':
      for (let i = 0; i < count; i++) out[i] = halfToFloat(view.getUint16(i * 2, true))
      break
    case 'BF16': {
      // bfloat16 is the top 16 bits of a float32.
      const u32 = new Uint32Array(out.buffer)
      for (let i = 0; i < count; i++) u32[i] = view.getUint16(i * 2, true) << 16
      break
    }
    case 'I64':
      for (let i = 0; i < count; i++) out[i] = Number(view.getBigInt64(i * 8, true))
      break
    case 'I32':
      for (let i = 0; i < count; i++) out[i] = view.getInt32(i * 4, true)
      break
    case 'I16':
      for (let i = 0; i < count; i++) out[i] = view.getInt16(i * 2, true)
      break
    case 'I8':
      for (let i = 0; i < count; i++) out[i] = view.getInt8(i)
      break
    default: // U8, BOOL
      for (let i = 0; i < count; i++) out[i] = view.getUint8(i)
  }
  return out
}

/** IEEE 754 binary16 -> number (handles subnormals, infinities and NaN). */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1
  const exp = (h >> 10) & 0x1f
  const frac = h & 0x3ff
  if (exp === 0) return sign * frac * 2 ** -24
  if (exp === 0x1f) return frac ? NaN : sign * Infinity
  return sign * (1 + frac / 1024) * 2 ** (exp - 15)
}

/** number -> IEEE 754 binary16 bits (round to nearest even), for tests and fp16 export. */
export function floatToHalf(value: number): number {
  const f32 = new Float32Array([value])
  const x = new Uint32Array(f32.buffer)[0]!
  const sign = (x >>> 16) & 0x8000
  const exp = (x >>> 23) & 0xff
  let mant = x & 0x7fffff
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0)
  const e = exp - 127 + 15
  if (e >= 0x1f) return sign | 0x7c00
  if (e <= 0) {
    if (e < -10) return sign
    mant |= 0x800000
    const shift = 14 - e
    let half = mant >> shift
    const rem = mant & ((1 << shift) - 1)
    const mid = 1 << (shift - 1)
    if (rem > mid || (rem === mid && half & 1)) half++
    return sign | half
  }
  let half = (e << 10) | (mant >> 13)
  const rem = mant & 0x1fff
  if (rem > 0x1000 || (rem === 0x1000 && half & 1)) half++
  return sign | half
}

/**
 * Serialise float32 tensors as .safetensors (dtype F32), in map order. `meta` becomes the
 * header's `__metadata__`. Data offsets are 8-byte aligned by padding the header with
 * spaces, as the reference writer does.
 */
export function writeSafetensors(tensors: TensorMap, meta?: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = {}
  if (meta && Object.keys(meta).length > 0) header.__metadata__ = meta
  let offset = 0
  const entries: Array<[Tensor, number]> = []
  for (const [name, t] of tensors) {
    const count = elementCount(t.shape)
    if (count !== t.data.length) throw new Error(`writeSafetensors: tensor "${name}" has shape [${t.shape.join(', ')}] (${count} elements) but ${t.data.length} values.`)
    header[name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + count * 4] }
    entries.push([t, offset])
    offset += count * 4
  }
  let json = JSON.stringify(header)
  const jsonBytesLength = Buffer.byteLength(json, 'utf8')
  json += ' '.repeat((8 - ((8 + jsonBytesLength) % 8)) % 8)
  const headerBytes = new TextEncoder().encode(json)
  const out = new Uint8Array(8 + headerBytes.length + offset)
  const view = new DataView(out.buffer)
  view.setBigUint64(0, BigInt(headerBytes.length), true)
  out.set(headerBytes, 8)
  const dataStart = 8 + headerBytes.length
  for (const [t, at] of entries) {
    if (LITTLE_ENDIAN) {
      out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), dataStart + at)
      continue
    }
    const dv = new DataView(out.buffer, dataStart + at, t.data.length * 4)
    for (let i = 0; i < t.data.length; i++) dv.setFloat32(i * 4, t.data[i]!, true)
  }
  return out
}
