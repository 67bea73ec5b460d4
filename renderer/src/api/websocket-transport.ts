import type { CallResult } from '../../../shared/contract/define'
import { decodeBinaryMessage, encodeBinaryCall, hasBytes } from '../../../shared/contract/binary-message'
import { pickedFolderName, transportFailure, type Transport } from './transport'

/** Browser mode's wire format (the server side lives in electron/server/). */
type ServerMessage =
  | { id: number; result: CallResult<unknown> }
  | { event: string; payload: unknown }

export interface WebSocketTransportOptions {
  /** e.g. ws://127.0.0.1:8080/api?token=... */
  url: string
  /** Access token, appended to media URLs too (the server checks it on every request). */
  token: string | null
  /** Injectable for tests; defaults to the browser's WebSocket. */
  createSocket?: (url: string) => WebSocket
  /** Delay before reconnecting after the socket closes, in ms. */
  reconnectDelayMs?: number
}

/**
 * Browser mode: one WebSocket, requests matched to replies by id, events fanned out to
 * listeners. Calls made while connecting are queued; a dropped connection fails the calls in
 * flight with a clear message and reconnects, so the page recovers when the server is back.
 */
export function createWebSocketTransport(options: WebSocketTransportOptions): Transport {
  const createSocket = options.createSocket ?? ((url: string) => new WebSocket(url))
  const reconnectDelayMs = options.reconnectDelayMs ?? 1000
  const pending = new Map<number, (result: CallResult<unknown>) => void>()
  const listeners = new Map<string, Set<(payload: unknown) => void>>()
  let queue: Array<string | Uint8Array> = []
  let socket: WebSocket | null = null
  let open = false
  let nextId = 1

  const connect = (): void => {
    const ws = createSocket(options.url)
    // Replies and events with bytes (a frame's heatmap) come as binary messages.
    ws.binaryType = 'arraybuffer'
    socket = ws
    ws.onopen = () => {
      open = true
      const waiting = queue
      queue = []
      for (const message of waiting) ws.send(message)
    }
    ws.onmessage = (msg: MessageEvent) => {
      let data: ServerMessage
      try {
        data = (msg.data instanceof ArrayBuffer ? decodeBinaryMessage(new Uint8Array(msg.data)) : JSON.parse(String(msg.data))) as ServerMessage
      } catch {
        return // not ours; the server only sends JSON or binary messages
      }
      if ('event' in data) {
        for (const listener of listeners.get(data.event) ?? []) listener(data.payload)
      } else if (typeof data.id === 'number') {
        const resolve = pending.get(data.id)
        pending.delete(data.id)
        resolve?.(data.result)
      }
    }
    ws.onclose = () => {
      open = false
      socket = null
      for (const resolve of pending.values()) {
        resolve(transportFailure('Lost the connection to the Defect Studio server. Check that it is still running; the page reconnects by itself.'))
      }
      pending.clear()
      setTimeout(connect, reconnectDelayMs)
    }
  }

  return {
    kind: 'websocket',
    call(channel, payload) {
      if (!socket) connect()
      const id = nextId++
      // A payload with bytes (a camera frame) goes as one binary message, the rest as JSON text.
      const message = hasBytes(payload) ? encodeBinaryCall({ id, channel, payload }) : JSON.stringify({ id, channel, payload: payload ?? {} })
      return new Promise((resolve) => {
        pending.set(id, resolve)
        if (open && socket) socket.send(message)
        else queue.push(message)
      })
    },
    on(event, listener) {
      if (!socket) connect()
      let set = listeners.get(event)
      if (!set) listeners.set(event, (set = new Set()))
      set.add(listener)
      return () => set.delete(listener)
    },
    imageUrl(id, { thumb, kind, version }) {
      const params = new URLSearchParams()
      if (thumb) params.set('thumb', '1')
      if (version) params.set('v', version)
      if (options.token) params.set('token', options.token)
      const query = params.toString()
      return `/media/${kind ?? 'image'}/${encodeURIComponent(String(id))}${query ? `?${query}` : ''}`
    },
    async uploadFiles(files, onProgress) {
      const paths: string[] = []
      const query = options.token ? `?token=${encodeURIComponent(options.token)}` : ''
      for (const [index, file] of files.entries()) {
        // One request per file, streamed by the browser; the server writes it to a
        // temporary folder and answers with its path there.
        const response = await fetch(`/upload${query}`, { method: 'POST', body: file, headers: { 'X-File-Name': encodeURIComponent(file.name) } })
        const body = (await response.json().catch(() => ({}))) as { path?: string; error?: string }
        if (!response.ok || !body.path) throw new Error(body.error ?? `Upload of "${file.name}" failed (HTTP ${response.status}).`)
        paths.push(body.path)
        onProgress?.(index + 1, files.length)
      }
      return paths
    },
    async uploadFolder(files, onProgress) {
      const top = pickedFolderName(files)
      const batch = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`
      const query = options.token ? `?token=${encodeURIComponent(options.token)}` : ''
      let root = ''
      for (const [index, file] of files.entries()) {
        const response = await fetch(`/upload${query}`, {
          method: 'POST',
          body: file,
          headers: { 'X-File-Name': encodeURIComponent(file.name), 'X-Upload-Batch': batch, 'X-Relative-Path': encodeURIComponent(file.webkitRelativePath || file.name) }
        })
        const body = (await response.json().catch(() => ({}))) as { root?: string; error?: string }
        if (!response.ok || !body.root) throw new Error(body.error ?? `Upload of "${file.name}" failed (HTTP ${response.status}).`)
        root = body.root
        onProgress?.(index + 1, files.length)
      }
      // The server keeps the picked folder's layout under the batch root.
      return `${root}/${top}`
    }
  }
}

/** The WebSocket URL for the page's own server, carrying the page's ?token= if any. */
export function browserModeUrl(location: { protocol: string; host: string; search: string; hash: string }): { url: string; token: string | null } {
  const token = tokenFrom(location.search) ?? tokenFrom(location.hash.includes('?') ? location.hash.slice(location.hash.indexOf('?')) : '')
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws'
  const query = token ? `?token=${encodeURIComponent(token)}` : ''
  return { url: `${scheme}://${location.host}/api${query}`, token }
}

function tokenFrom(search: string): string | null {
  const value = new URLSearchParams(search).get('token')
  return value ? value : null
}
