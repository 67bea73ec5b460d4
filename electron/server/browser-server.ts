import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { WebSocketServer, type WebSocket } from 'ws'
import { z } from 'zod'
import { containsBytes, decodeBinaryCall, encodeBinaryMessage } from '../../shared/contract/binary-message'
import { CONTENT_SECURITY_POLICY } from '../main/security'
import { mediaCacheControl, type AppServices } from '../services/app-services'
import { appRoot } from '../services/app-info'
import { allowedHosts, hasAccess, isAllowedHost, isSameOrigin, TOKEN_COOKIE, type AccessPolicy } from './access'
import { serveStatic } from './static-files'

/**
 * Browser mode: the built renderer over HTTP and the same contract over a WebSocket, on
 * the same Router as Electron's IPC (so validation and errors are identical). Loopback
 * only unless `host` says otherwise, and then a token is required (see access.ts).
 */
/** Largest WebSocket message by default: the largest frame the contract takes (40 MB) and its envelope. */
export const DEFAULT_MAX_MESSAGE_BYTES = 41 * 1024 * 1024

export interface BrowserServerOptions {
  services: AppServices
  port: number
  host: string
  token: string | null
  /** Folder of the built renderer (default out/renderer). */
  rendererDir?: string
  /** Largest WebSocket message accepted, bytes (default DEFAULT_MAX_MESSAGE_BYTES). */
  maxMessageBytes?: number
  /**
   * Backpressure: once this many reply bytes wait unsent for one socket (its client does not
   * read), that socket's requests are no longer read until they drain, and events to it are
   * skipped. Default 8 MiB.
   */
  maxBufferedBytes?: number
}

export interface RunningServer {
  url: string
  port: number
  server: Server
  /** Connected sockets and the reply bytes waiting to be sent to them (diagnostics, tests). */
  stats(): { clients: number; bufferedBytes: number; handled: number }
  close(): Promise<void>
}

/** Extra HTTP routes mounted by services (uploads, media, trigger): return true if handled. */
export type HttpRoute = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean> | boolean

const ClientMessage = z.object({
  id: z.number().int().nonnegative(),
  channel: z.string().max(200),
  payload: z.unknown().optional()
})

export const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1'])

const WRONG_HOST = 'Refused: the Host header does not name this server. Open the address printed by "defect-studio serve".'

export async function startBrowserServer(options: BrowserServerOptions, routes: HttpRoute[] = []): Promise<RunningServer> {
  const { services } = options
  const exposed = !LOOPBACK_HOSTS.has(options.host)
  if (exposed && !options.token) throw new Error(`Browser mode on ${options.host} needs an access token (--token); it only runs without one on loopback.`)
  const policy: AccessPolicy = { token: options.token }
  const rendererDir = options.rendererDir ?? join(appRoot(), 'out', 'renderer')
  // Set once listening (port 0 picks a port): until then nothing is answered.
  let hosts: Set<string> | null = new Set()

  const server = createServer((req, res) => {
    handleHttp(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' })
      res.end(`Server error: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`)
    })
  })

  async function handleHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://placeholder')
    if (!isAllowedHost(req, hosts)) {
      res.writeHead(421, { 'Content-Type': 'text/plain' }).end(WRONG_HOST)
      return
    }
    if (!hasAccess(policy, req, url)) {
      res.writeHead(401, { 'Content-Type': 'text/plain' }).end('Access token required: open the URL printed by "defect-studio serve".')
      return
    }
    if (req.method !== 'GET' && req.method !== 'HEAD' && !isSameOrigin(req)) {
      res.writeHead(403, { 'Content-Type': 'text/plain' }).end('Cross-site request refused.')
      return
    }
    for (const route of routes) if (await route(req, res, url)) return
    if (url.pathname.startsWith('/media/')) {
      const [, , kind, id] = url.pathname.split('/')
      const media = kind && id ? await services.media(kind, id, url.searchParams.get('thumb') === '1', url.searchParams.get('v')) : null
      if (!media) {
        res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not found')
        return
      }
      res.writeHead(200, { 'Content-Type': media.contentType, 'Cache-Control': mediaCacheControl(media), 'X-Content-Type-Options': 'nosniff' })
      res.end(Buffer.from(media.bytes))
      return
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { 'Content-Type': 'text/plain' }).end('Method not allowed')
      return
    }
    const headers: Record<string, string> = {
      'Content-Security-Policy': CONTENT_SECURITY_POLICY.replace("connect-src 'self'", `connect-src 'self' ws://${req.headers.host ?? ''} wss://${req.headers.host ?? ''}`),
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'X-Frame-Options': 'DENY'
    }
    if (policy.token) headers['Set-Cookie'] = `${TOKEN_COOKIE}=${encodeURIComponent(policy.token)}; HttpOnly; SameSite=Strict; Path=/`
    await serveStatic(rendererDir, url.pathname, res, headers)
  }

  const limits: SocketLimits = { maxBuffered: options.maxBufferedBytes ?? 8 * 1024 * 1024, handled: 0 }
  // The default message limit lets a raw camera frame through (a 2592×1944 RGBA frame is
  // 20 MB; the contract refuses frames above 40 MB with a clear message).
  const sockets = new WebSocketServer({ noServer: true, maxPayload: options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES })
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://placeholder')
    if (!isAllowedHost(req, hosts)) {
      socket.write(`HTTP/1.1 421 Misdirected Request\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n${WRONG_HOST}`)
      socket.destroy()
      return
    }
    if (url.pathname !== '/api' || !hasAccess(policy, req, url) || !isSameOrigin(req)) {
      socket.write('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n')
      socket.destroy()
      return
    }
    sockets.handleUpgrade(req, socket, head, (ws) => attachSocket(ws, services, req.socket.remoteAddress ?? 'unknown', limits))
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, options.host, () => resolve())
  })
  const port = (server.address() as AddressInfo).port
  hosts = allowedHosts(options.host, port, LOOPBACK_HOSTS)
  const shownHost = options.host.includes(':') ? `[${options.host}]` : options.host
  const url = `http://${shownHost}:${port}/${options.token ? `?token=${encodeURIComponent(options.token)}` : ''}`
  return {
    url,
    port,
    server,
    stats: () => ({ clients: sockets.clients.size, bufferedBytes: [...sockets.clients].reduce((n, c) => n + c.bufferedAmount, 0), handled: limits.handled }),
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of sockets.clients) client.terminate()
        sockets.close()
        server.closeAllConnections?.()
        server.close(() => resolve())
      })
  }
}

interface SocketLimits {
  maxBuffered: number
  /** Requests answered, all sockets (stats). */
  handled: number
}

/** Requests of one socket handled at once; more wait in the socket (TCP pushes back). */
const MAX_IN_FLIGHT = 32

/**
 * One renderer connection: requests in, results and events out, same Router as IPC.
 * Backpressure: a client that sends but never reads would otherwise make the server queue
 * replies without bound. Reading from its socket stops while too many requests are running
 * or too many reply bytes wait, and resumes when they drain; events are skipped meanwhile
 * (they are state updates; the next one carries the news).
 */
function attachSocket(ws: WebSocket, services: AppServices, origin: string, limits: SocketLimits): void {
  let inFlight = 0
  // Messages already read from the socket when it was paused (at most one TCP read's worth).
  const waiting: Array<string | Uint8Array> = []
  const congested = () => inFlight >= MAX_IN_FLIGHT || ws.bufferedAmount > limits.maxBuffered
  const settle = () => {
    if (ws.readyState !== ws.OPEN) return
    while (waiting.length > 0 && !congested()) void handle(waiting.shift()!)
    if (congested() || waiting.length > 0) {
      if (!ws.isPaused) ws.pause()
    } else if (ws.isPaused) ws.resume()
  }
  const send = (message: string | Uint8Array) => {
    if (ws.readyState !== ws.OPEN) return
    ws.send(message, () => settle())
  }
  const unsubscribe = services.onEvent((event, payload) => {
    if (ws.readyState === ws.OPEN && ws.bufferedAmount <= limits.maxBuffered) ws.send(serverMessage({ event, payload }))
  })
  ws.on('close', () => {
    waiting.length = 0
    unsubscribe()
  })
  ws.on('error', unsubscribe)
  ws.on('message', (data, isBinary) => {
    // Binary messages carry bytes (camera frames; shared/contract/binary-message.ts).
    waiting.push(isBinary ? messageBytes(data) : String(data))
    settle()
  })

  async function handle(message: string | Uint8Array): Promise<void> {
    let parsed: z.infer<typeof ClientMessage>
    try {
      parsed = ClientMessage.parse(typeof message === 'string' ? JSON.parse(message) : decodeBinaryCall(message))
    } catch {
      send(JSON.stringify({ id: null, result: { ok: false, error: { code: 'invalid-payload', message: 'Malformed message: expected {"id", "channel", "payload"} JSON.' } } }))
      return
    }
    inFlight += 1
    try {
      // The socket passed the host, access and origin checks at upgrade time: it is trusted.
      const result = await services.router.handle(parsed.channel, parsed.payload, { trusted: true, origin: `ws:${origin}` })
      limits.handled += 1
      send(serverMessage({ id: parsed.id, result }))
    } finally {
      inFlight -= 1
      settle()
    }
  }
}

/**
 * A reply or event as it goes out: JSON text, or one binary message when it carries bytes
 * (a frame's heatmap), which JSON would turn into an object of numbered keys.
 */
function serverMessage(message: { id: number; result: unknown } | { event: string; payload: unknown }): string | Uint8Array {
  return containsBytes(message) ? encodeBinaryMessage(message) : JSON.stringify(message)
}

/** The bytes of a binary WebSocket message (ws hands over a Buffer, or fragments). */
function messageBytes(data: Buffer | ArrayBuffer | Buffer[]): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data)
  return data instanceof ArrayBuffer ? new Uint8Array(data) : data
}
