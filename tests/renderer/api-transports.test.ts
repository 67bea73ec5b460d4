import { describe, expect, it, vi } from 'vitest'
import { createElectronTransport } from '../../renderer/src/api/electron-transport'
import { browserModeUrl, createWebSocketTransport } from '../../renderer/src/api/websocket-transport'
import { createApiClient, ApiError } from '../../renderer/src/api/client'
import { createFakeTransport } from '../../renderer/src/api/fake-transport'
import { encodeBinaryMessage } from '../../shared/contract/binary-message'

describe('electron transport', () => {
  it('maps domain:action to the preload function and events to onXxx', async () => {
    const importFolder = vi.fn(async () => ({ ok: true, value: { imported: 3 } }))
    const unsubscribe = vi.fn()
    const onProgress = vi.fn(() => unsubscribe)
    const transport = createElectronTransport({ images: { importFolder }, training: { onProgress } })

    const result = await transport.call('images:import-folder', { path: '/x' })
    expect(importFolder).toHaveBeenCalledWith({ path: '/x' })
    expect(result).toEqual({ ok: true, value: { imported: 3 } })

    const listener = vi.fn()
    const off = transport.on('training:progress', listener)
    expect(onProgress).toHaveBeenCalledWith(listener)
    off()
    expect(unsubscribe).toHaveBeenCalled()
  })

  it('answers a typed failure when the preload lacks a function or throws', async () => {
    const transport = createElectronTransport({ app: { status: () => Promise.reject(new Error('bridge broke')) } })
    const missing = await transport.call('images:import-folder', {})
    expect(missing.ok).toBe(false)
    if (!missing.ok) expect(missing.error.message).toContain('images:import-folder')
    const thrown = await transport.call('app:status', {})
    expect(thrown.ok).toBe(false)
    if (!thrown.ok) expect(thrown.error.message).toContain('bridge broke')
  })

  it('serves images through the ds-image protocol', () => {
    const transport = createElectronTransport({})
    expect(transport.imageUrl(42, { thumb: true })).toBe('ds-image://image/42?thumb=1')
    expect(transport.imageUrl(42, { thumb: false })).toBe('ds-image://image/42')
  })
})

/** A WebSocket stand-in driven by the test: what the server would send, when. */
class ScriptedSocket {
  static last: ScriptedSocket | null = null
  sent: string[] = []
  onopen: (() => void) | null = null
  onmessage: ((msg: { data: string | ArrayBuffer }) => void) | null = null
  binaryType = 'blob'
  onclose: (() => void) | null = null
  constructor(readonly url: string) {
    ScriptedSocket.last = this
  }
  send(data: string): void {
    this.sent.push(data)
  }
  open(): void {
    this.onopen?.()
  }
  receive(message: unknown): void {
    this.onmessage?.({ data: JSON.stringify(message) })
  }
  receiveBinary(message: Uint8Array): void {
    this.onmessage?.({ data: message.buffer.slice(message.byteOffset, message.byteOffset + message.byteLength) as ArrayBuffer })
  }
  close(): void {
    this.onclose?.()
  }
}

describe('websocket transport', () => {
  const make = () =>
    createWebSocketTransport({
      url: 'ws://127.0.0.1:9/api?token=t0k',
      token: 't0k',
      createSocket: (url) => new ScriptedSocket(url) as unknown as WebSocket,
      reconnectDelayMs: 60_000
    })

  it('queues calls until open and matches replies by id', async () => {
    const transport = make()
    const first = transport.call('app:ping', { echo: 'a' })
    const second = transport.call('app:status', {})
    const socket = ScriptedSocket.last!
    expect(socket.url).toBe('ws://127.0.0.1:9/api?token=t0k')
    expect(socket.sent).toHaveLength(0)
    socket.open()
    const sent = socket.sent.map((s) => JSON.parse(s))
    expect(sent).toEqual([
      { id: 1, channel: 'app:ping', payload: { echo: 'a' } },
      { id: 2, channel: 'app:status', payload: {} }
    ])
    // Replies may come back out of order.
    socket.receive({ id: 2, result: { ok: true, value: 'status' } })
    socket.receive({ id: 1, result: { ok: true, value: { echo: 'a' } } })
    expect(await first).toEqual({ ok: true, value: { echo: 'a' } })
    expect(await second).toEqual({ ok: true, value: 'status' })
  })

  it('reads binary replies and events: bytes come back as Uint8Array (a frame\'s heatmap)', async () => {
    const transport = make()
    const events: unknown[] = []
    transport.on('inspection:result', (p) => events.push(p))
    const pending = transport.call('app:ping', { echo: 'a' })
    const socket = ScriptedSocket.last!
    expect(socket.binaryType).toBe('arraybuffer')
    socket.open()
    const heatmap = { width: 2, height: 1, values: new Uint8Array([9, 250]) }
    socket.receiveBinary(encodeBinaryMessage({ event: 'inspection:result', payload: { record: { id: 1 }, heatmap } }))
    socket.receiveBinary(encodeBinaryMessage({ id: 1, result: { ok: true, value: { heatmap } } }))
    const reply = (await pending) as { ok: true; value: { heatmap: { values: Uint8Array } } }
    expect(reply.value.heatmap.values).toBeInstanceOf(Uint8Array)
    expect(Array.from(reply.value.heatmap.values)).toEqual([9, 250])
    expect(Array.from((events[0] as { heatmap: { values: Uint8Array } }).heatmap.values)).toEqual([9, 250])
  })

  it('delivers events to subscribers until they unsubscribe', () => {
    const transport = make()
    const seen: unknown[] = []
    const off = transport.on('training:progress', (p) => seen.push(p))
    const socket = ScriptedSocket.last!
    socket.open()
    socket.receive({ event: 'training:progress', payload: { step: 1 } })
    socket.receive({ event: 'other:event', payload: { step: 9 } })
    off()
    socket.receive({ event: 'training:progress', payload: { step: 2 } })
    expect(seen).toEqual([{ step: 1 }])
  })

  it('fails calls in flight with a clear message when the connection drops', async () => {
    const transport = make()
    const pending = transport.call('app:status', {})
    ScriptedSocket.last!.open()
    ScriptedSocket.last!.close()
    const result = await pending
    expect(result.ok).toBe(false)
    if (!result.ok) expect(result.error.message).toMatch(/Lost the connection/)
  })

  it('puts the token on media URLs and derives the socket URL from the page', () => {
    expect(make().imageUrl(7, { thumb: true })).toBe('/media/image/7?thumb=1&token=t0k')
    expect(browserModeUrl({ protocol: 'http:', host: '127.0.0.1:8080', search: '?token=abc', hash: '#/label' })).toEqual({
      url: 'ws://127.0.0.1:8080/api?token=abc',
      token: 'abc'
    })
    expect(browserModeUrl({ protocol: 'https:', host: 'h:1', search: '', hash: '' })).toEqual({ url: 'wss://h:1/api', token: null })
  })
})

describe('api client', () => {
  it('request() returns the value or throws ApiError with the server message', async () => {
    const fake = createFakeTransport({ 'app:ping': (p: { echo: string }) => ({ echo: p.echo }) })
    const api = createApiClient(fake)
    expect(await api.request('app:ping', { echo: 'hi' })).toEqual({ echo: 'hi' })
    await expect(api.request('app:status', {})).rejects.toBeInstanceOf(ApiError)
    await expect(api.request('app:status', {})).rejects.toThrow('Unknown request "app:status".')
  })
})

describe('picked folders', () => {
  const picked = (relative: string) => {
    const file = new File(['x'], relative.split('/').pop()!)
    Object.defineProperty(file, 'webkitRelativePath', { value: relative })
    return file
  }

  it('in Electron, imports the picked folder where it lies on disk', async () => {
    const transport = createElectronTransport({ files: { pathForFile: () => '/home/qa/photos/ok/a.png' } })
    expect(await transport.uploadFolder!([picked('photos/ok/a.png')])).toBe('/home/qa/photos')
  })

  it('in browser mode, uploads every file as one batch with its folder path and returns the folder', async () => {
    const { createWebSocketTransport } = await import('../../renderer/src/api/websocket-transport')
    const sent: Array<Record<string, string>> = []
    const realFetch = globalThis.fetch
    globalThis.fetch = (async (_url: string, init: { headers: Record<string, string> }) => {
      sent.push(init.headers)
      return new Response(JSON.stringify({ path: '/tmp/up/batch-1/x', root: '/tmp/up/batch-1' }), { status: 200 })
    }) as unknown as typeof fetch
    try {
      const transport = createWebSocketTransport({ url: 'ws://127.0.0.1:1/api', token: null })
      const folder = await transport.uploadFolder!([picked('photos/ok/a.png'), picked('photos/scratch/b.png')])
      expect(folder).toBe('/tmp/up/batch-1/photos')
      expect(sent.map((h) => decodeURIComponent(h['X-Relative-Path']!))).toEqual(['photos/ok/a.png', 'photos/scratch/b.png'])
      expect(new Set(sent.map((h) => h['X-Upload-Batch'])).size).toBe(1)
    } finally {
      globalThis.fetch = realFetch
    }
  })

  it('says so when no folder paths came with the files', async () => {
    const transport = createElectronTransport({ files: { pathForFile: () => '/x/a.png' } })
    await expect(transport.uploadFolder!([new File(['x'], 'a.png')])).rejects.toThrow(/No folder was picked/)
  })
})
