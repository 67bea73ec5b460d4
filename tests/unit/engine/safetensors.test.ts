import { describe, expect, it } from 'vitest'
import { floatToHalf, halfToFloat, readSafetensors, readSafetensorsWithMetadata, SafetensorsError, writeSafetensors } from '../../../electron/engine/models/safetensors'
import type { TensorMap } from '../../../electron/engine/tensor'

/** Build a safetensors file by hand with arbitrary dtypes (what PyTorch may save). */
function rawFile(entries: Array<{ name: string; dtype: string; shape: number[]; bytes: Uint8Array }>, meta?: Record<string, string>, tamper?: (h: Record<string, any>) => void): Uint8Array {
  const header: Record<string, any> = meta ? { __metadata__: meta } : {}
  let off = 0
  for (const e of entries) {
    header[e.name] = { dtype: e.dtype, shape: e.shape, data_offsets: [off, off + e.bytes.length] }
    off += e.bytes.length
  }
  tamper?.(header)
  const json = new TextEncoder().encode(JSON.stringify(header))
  const out = new Uint8Array(8 + json.length + off)
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true)
  out.set(json, 8)
  let at = 8 + json.length
  for (const e of entries) {
    out.set(e.bytes, at)
    at += e.bytes.length
  }
  return out
}

describe('safetensors', () => {
  it('round-trips float32 tensors and metadata, with 8-byte aligned data', () => {
    const t: TensorMap = new Map([
      ['a.weight', { shape: [2, 3], data: Float32Array.from([1, -2, 3.5, 0, 1e-20, -7]) }],
      ['b', { shape: [], data: Float32Array.from([42]) }],
      ['empty', { shape: [0, 4], data: new Float32Array(0) }]
    ])
    const bytes = writeSafetensors(t, { format: 'pt', note: 'x' })
    const headerLen = Number(new DataView(bytes.buffer).getBigUint64(0, true))
    expect((8 + headerLen) % 8).toBe(0)
    const back = readSafetensorsWithMetadata(bytes)
    expect(back.metadata).toEqual({ format: 'pt', note: 'x' })
    expect([...back.tensors.keys()]).toEqual(['a.weight', 'b', 'empty'])
    expect(back.tensors.get('a.weight')).toEqual(t.get('a.weight'))
    expect(back.tensors.get('b')!.shape).toEqual([])
    expect(back.dtypes.get('a.weight')).toBe('F32')
  })

  it('converts F16, BF16, F64 and I64 to float32 on read', () => {
    const f16 = new Uint8Array(6)
    const v16 = new DataView(f16.buffer)
    ;[1.5, -0.000061035156, 65504].forEach((x, i) => v16.setUint16(i * 2, floatToHalf(x), true))
    const bf16 = new Uint8Array(4)
    const vb = new DataView(bf16.buffer)
    vb.setUint16(0, 0x3fc0, true) // 1.5
    vb.setUint16(2, 0xc040, true) // -3
    const f64 = new Uint8Array(16)
    new DataView(f64.buffer).setFloat64(0, Math.PI, true)
    new DataView(f64.buffer).setFloat64(8, -1e-3, true)
    const i64 = new Uint8Array(8)
    new DataView(i64.buffer).setBigInt64(0, 12345n, true)
    const t = readSafetensors(
      rawFile([
        { name: 'h', dtype: 'F16', shape: [3], bytes: f16 },
        { name: 'bf', dtype: 'BF16', shape: [2], bytes: bf16 },
        { name: 'd', dtype: 'F64', shape: [2], bytes: f64 },
        { name: 'n', dtype: 'I64', shape: [], bytes: i64 }
      ])
    )
    expect(Array.from(t.get('h')!.data)).toEqual([1.5, Math.fround(-0.000061035156), 65504])
    expect(Array.from(t.get('bf')!.data)).toEqual([1.5, -3])
    expect(t.get('d')!.data[0]).toBeCloseTo(Math.PI, 6)
    expect(t.get('n')!.data[0]).toBe(12345)
  })

  it('half-float conversion handles subnormals, infinities and rounding', () => {
    expect(halfToFloat(0x0001)).toBe(2 ** -24)
    expect(halfToFloat(0x7c00)).toBe(Infinity)
    expect(Number.isNaN(halfToFloat(0x7e00))).toBe(true)
    for (const x of [0, 1, -2.5, 0.1, 1000.5, 2 ** -20]) expect(Math.abs(halfToFloat(floatToHalf(x)) - x)).toBeLessThanOrEqual(Math.abs(x) * 2 ** -11 + 2 ** -25)
  })

  it('rejects truncated files, bad offsets, overlaps, bad JSON and unknown dtypes with a clear error', () => {
    const good = writeSafetensors(new Map([['w', { shape: [4], data: new Float32Array(4) }]]))
    expect(() => readSafetensors(good.subarray(0, good.length - 3))).toThrow(/"w" ends at byte 16 of the data, which has only 13 bytes \(truncated/)
    expect(() => readSafetensors(new Uint8Array(5))).toThrow(SafetensorsError)
    const huge = new Uint8Array(16)
    new DataView(huge.buffer).setBigUint64(0, 1000n, true)
    expect(() => readSafetensors(huge)).toThrow(/^Not a safetensors file: its first 8 bytes are not a header length that fits the file\. The file is not a valid/)
    const b = new Uint8Array(16)
    expect(() => readSafetensors(rawFile([{ name: 'w', dtype: 'F32', shape: [3], bytes: b }]))).toThrow(/"w" has 16 bytes but dtype F32 and shape \[3\] need 12/)
    expect(() => readSafetensors(rawFile([{ name: 'w', dtype: 'Q4', shape: [4], bytes: b }]))).toThrow(/"w" has unsupported dtype "Q4"/)
    expect(() =>
      readSafetensors(rawFile([{ name: 'a', dtype: 'F32', shape: [2], bytes: new Uint8Array(8) }, { name: 'b', dtype: 'F32', shape: [2], bytes: new Uint8Array(8) }], undefined, (h) => (h.b.data_offsets = [4, 12])))
    ).toThrow(/"a" and "b" overlap/)
    expect(() => readSafetensors(rawFile([{ name: 'w', dtype: 'F32', shape: [1], bytes: new Uint8Array(4) }], undefined, (h) => (h.w.data_offsets = [4, 0])))).toThrow(/invalid data_offsets/)
    const badJson = new Uint8Array(8 + 3)
    new DataView(badJson.buffer).setBigUint64(0, 3n, true)
    badJson.set(new TextEncoder().encode('{x}'), 8)
    expect(() => readSafetensors(badJson)).toThrow(/^Not a safetensors file: its header is not valid UTF-8 JSON\. The file is not a valid/)
  })
})
