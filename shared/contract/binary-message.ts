/**
 * Browser mode's binary WebSocket message, for calls whose payload carries bytes (camera
 * frames): the JSON envelope `{ id, channel, payload }` with each top-level byte field of
 * the payload replaced by `{ "$bytes": [offset, length] }`, followed by the bytes
 * themselves, so a frame crosses the socket as it is (no base64: a third larger and a
 * string to build and parse on both sides).
 *
 *   [u32 little-endian: length J of the JSON] [J bytes UTF-8 JSON] [the byte fields, back to back]
 *
 * Text messages stay plain JSON; the server accepts both.
 */

export interface CallEnvelope {
  id: number
  channel: string
  payload: unknown
}

const HEADER = 4

function isBytes(v: unknown): v is Uint8Array | ArrayBuffer {
  return v instanceof Uint8Array || v instanceof ArrayBuffer
}

/** True when the payload has a top-level byte field (it then travels as a binary message). */
export function hasBytes(payload: unknown): boolean {
  return typeof payload === 'object' && payload !== null && Object.values(payload).some(isBytes)
}

export function encodeBinaryCall(call: CallEnvelope): Uint8Array {
  const fields: Record<string, unknown> = {}
  const parts: Uint8Array[] = []
  let offset = 0
  for (const [key, value] of Object.entries((call.payload ?? {}) as Record<string, unknown>)) {
    if (isBytes(value)) {
      const bytes = value instanceof Uint8Array ? value : new Uint8Array(value)
      fields[key] = { $bytes: [offset, bytes.byteLength] }
      parts.push(bytes)
      offset += bytes.byteLength
    } else fields[key] = value
  }
  const json = new TextEncoder().encode(JSON.stringify({ id: call.id, channel: call.channel, payload: fields }))
  const out = new Uint8Array(HEADER + json.byteLength + offset)
  new DataView(out.buffer).setUint32(0, json.byteLength, true)
  out.set(json, HEADER)
  let at = HEADER + json.byteLength
  for (const p of parts) {
    out.set(p, at)
    at += p.byteLength
  }
  return out
}

export class BinaryMessageError extends Error {
  constructor(reason: string) {
    super(`Malformed binary message: ${reason}.`)
    this.name = 'BinaryMessageError'
  }
}

/** The envelope back, byte fields as Uint8Array views into `message` (no copy). */
export function decodeBinaryCall(message: Uint8Array): CallEnvelope {
  if (message.byteLength < HEADER) throw new BinaryMessageError('shorter than its header')
  const jsonLength = new DataView(message.buffer, message.byteOffset, message.byteLength).getUint32(0, true)
  if (HEADER + jsonLength > message.byteLength) throw new BinaryMessageError(`header announces ${jsonLength} JSON bytes, the message has ${message.byteLength - HEADER}`)
  let envelope: { id?: unknown; channel?: unknown; payload?: unknown }
  try {
    envelope = JSON.parse(new TextDecoder().decode(message.subarray(HEADER, HEADER + jsonLength))) as typeof envelope
  } catch {
    throw new BinaryMessageError('its JSON part does not parse')
  }
  if (typeof envelope !== 'object' || envelope === null) throw new BinaryMessageError('its JSON part is not an object')
  const body = message.subarray(HEADER + jsonLength)
  const payload: Record<string, unknown> = {}
  for (const [key, value] of Object.entries((envelope.payload ?? {}) as Record<string, unknown>)) {
    const ref = (value as { $bytes?: unknown } | null)?.$bytes
    if (Array.isArray(ref)) {
      const [offset, length] = ref as [unknown, unknown]
      if (!Number.isInteger(offset) || !Number.isInteger(length) || (offset as number) < 0 || (length as number) < 0 || (offset as number) + (length as number) > body.byteLength) {
        throw new BinaryMessageError(`field "${key}" points outside the message`)
      }
      payload[key] = body.subarray(offset as number, (offset as number) + (length as number))
    } else payload[key] = value
  }
  return { id: envelope.id as number, channel: envelope.channel as string, payload }
}
