import { describe, expect, it } from 'vitest'
import { BinaryMessageError, containsBytes, decodeBinaryCall, decodeBinaryMessage, encodeBinaryCall, encodeBinaryMessage, hasBytes } from '../../../shared/contract/binary-message'

describe('binary WebSocket call messages', () => {
  it('round-trips byte fields without base64, other fields as JSON', () => {
    const image = new Uint8Array([255, 216, 255, 0, 1, 2, 3])
    expect(hasBytes({ image, capturedAt: 1 })).toBe(true)
    expect(hasBytes({ capturedAt: 1 })).toBe(false)
    const msg = encodeBinaryCall({ id: 7, channel: 'inspection:frame', payload: { image, capturedAt: 123, partId: 'P-1' } })
    // header + JSON + the 7 bytes as they are
    expect(msg.byteLength).toBeLessThan(120)
    expect(Array.from(msg.subarray(msg.byteLength - 7))).toEqual(Array.from(image))
    const back = decodeBinaryCall(msg)
    expect(back).toMatchObject({ id: 7, channel: 'inspection:frame', payload: { capturedAt: 123, partId: 'P-1' } })
    expect((back.payload as { image: Uint8Array }).image).toEqual(image)
  })

  it('refuses truncated and lying messages with a clear error', () => {
    const msg = encodeBinaryCall({ id: 1, channel: 'x', payload: { image: new Uint8Array(10) } })
    expect(() => decodeBinaryCall(msg.subarray(0, 2))).toThrow(BinaryMessageError)
    expect(() => decodeBinaryCall(msg.subarray(0, msg.byteLength - 3))).toThrow(/points outside/)
    const bad = new Uint8Array(msg)
    new DataView(bad.buffer).setUint32(0, 1e6, true)
    expect(() => decodeBinaryCall(bad)).toThrow(/announces/)
  })
})

describe('binary WebSocket server messages', () => {
  it('carries byte fields at any depth (a reply with a heatmap), the rest as JSON', () => {
    const values = new Uint8Array([0, 128, 255, 7])
    const reply = { id: 3, result: { ok: true, value: { dropped: false, record: { id: 1, partId: 'P-1' }, heatmap: { width: 2, height: 2, values } } } }
    expect(containsBytes(reply)).toBe(true)
    expect(containsBytes({ id: 3, result: { ok: true, value: { list: [1, 2, { a: 'x' }] } } })).toBe(false)
    const msg = encodeBinaryMessage(reply)
    expect(Array.from(msg.subarray(msg.byteLength - 4))).toEqual([0, 128, 255, 7])
    const back = decodeBinaryMessage(msg) as typeof reply
    expect(back.result.value.record).toEqual({ id: 1, partId: 'P-1' })
    expect(back.result.value.heatmap.values).toBeInstanceOf(Uint8Array)
    expect(Array.from(back.result.value.heatmap.values)).toEqual([0, 128, 255, 7])
  })

  it('refuses a reference outside the message', () => {
    const msg = encodeBinaryMessage({ event: 'x', payload: { list: [{ b: new Uint8Array(8) }] } })
    expect(() => decodeBinaryMessage(msg.subarray(0, msg.byteLength - 1))).toThrow(/points outside/)
    expect(() => decodeBinaryMessage(msg.subarray(0, 3))).toThrow(BinaryMessageError)
  })
})
