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
 *
 * The server answers the same way when a reply or an event carries bytes anywhere inside
 * (a frame's heatmap: `result.value.heatmap.values`): `encodeBinaryMessage` replaces every
 * byte field, at any depth, by its `$bytes` reference; `decodeBinaryMessage` puts views
 * back. The server only ever decodes calls (top-level fields, `decodeBinaryCall`), so a
 * client's message cannot make it walk a deep tree.
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

/** Deepest nesting searched for byte fields in a server message (replies are shallow). */
const MAX_DEPTH = 8

/** True when `value` holds a byte field within MAX_DEPTH levels (it then goes as a binary message). */
export function containsBytes(value: unknown, depth = 0): boolean {
  if (isBytes(value)) return true
  if (depth >= MAX_DEPTH || typeof value !== 'object' || value === null) return false
  if (Array.isArray(value)) return value.some((v) => containsBytes(v, depth + 1))
  for (const v of Object.values(value)) if (containsBytes(v, depth + 1)) return true
  return false
}

/** Any JSON-able message with byte fields at any depth (server replies and events). */
export function encodeBinaryMessage(message: unknown): Uint8Array {
  const parts: Uint8Array[] = []
  let offset = 0
  const replace = (value: unknown, depth: number): unknown => {
    if (isBytes(value)) {
      const bytes = value instanceof Uint8Array ? value : new Uint8Array(value)
      const ref = { $bytes: [offset, bytes.byteLength] }
      parts.push(bytes)
      offset += bytes.byteLength
      return ref
    }
    if (depth >= MAX_DEPTH || typeof value !== 'object' || value === null) return value
    if (Array.isArray(value)) return value.map((v) => replace(v, depth + 1))
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) out[k] = replace(v, depth + 1)
    return out
  }
  const json = new TextEncoder().encode(JSON.stringify(replace(message, 0)))
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

/** A message from encodeBinaryMessage, byte fields as Uint8Array views into `message`. */
export function decodeBinaryMessage(message: Uint8Array): unknown {
  if (message.byteLength < HEADER) throw new BinaryMessageError('shorter than its header')
  const jsonLength = new DataView(message.buffer, message.byteOffset, message.byteLength).getUint32(0, true)
  if (HEADER + jsonLength > message.byteLength) throw new BinaryMessageError(`header announces ${jsonLength} JSON bytes, the message has ${message.byteLength - HEADER}`)
  let parsed: unknown
  try {
    parsed = JSON.parse(new TextDecoder().decode(message.subarray(HEADER, HEADER + jsonLength)))
  } catch {
    throw new BinaryMessageError('its JSON part does not parse')
  }
  const body = message.subarray(HEADER + jsonLength)
  const restore = (value: unknown, depth: number): unknown => {
    if (depth > MAX_DEPTH || typeof value !== 'object' || value === null) return value
    if (Array.isArray(value)) return value.map((v) => restore(v, depth + 1))
    const ref = (value as { $bytes?: unknown }).$bytes
    if (Array.isArray(ref)) {
      const [offset, length] = ref as [unknown, unknown]
      if (!Number.isInteger(offset) || !Number.isInteger(length) || (offset as number) < 0 || (length as number) < 0 || (offset as number) + (length as number) > body.byteLength) {
        throw new BinaryMessageError('a byte field points outside the message')
      }
      return body.subarray(offset as number, (offset as number) + (length as number))
    }
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) out[k] = restore(v, depth + 1)
    return out
  }
  return restore(parsed, 0)
}
