import { createServer, type IncomingMessage, type Server } from 'node:http'
import { timingSafeEqual } from 'node:crypto'
import type { AddressInfo } from 'node:net'

/**
 * External trigger: `POST /trigger` (optional JSON body `{ "partId": "..." }`) asks for one
 * inspection. Listens on loopback; when bound to another address a token is required
 * (header `Authorization: Bearer <token>` or `X-Trigger-Token`).
 */
export interface TriggerServerOptions {
  host?: string
  port?: number
  token?: string | null
  onTrigger: (payload: { partId?: string }) => void | Promise<void>
}

export class TriggerConfigError extends Error {
  constructor(reason: string) {
    super(`Trigger endpoint not started: ${reason}.`)
    this.name = 'TriggerConfigError'
  }
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost'])
const MAX_BODY = 16 * 1024

export class TriggerServer {
  private server: Server | null = null

  constructor(private readonly options: TriggerServerOptions) {
    const host = options.host ?? '127.0.0.1'
    if (!LOOPBACK.has(host) && !options.token) throw new TriggerConfigError(`listening on ${host} exposes it to the network, so set a token`)
  }

  async start(): Promise<string> {
    const server = createServer((req, res) => {
      void this.handle(req).then(({ status, body }) => {
        res.writeHead(status, { 'content-type': 'application/json' })
        res.end(JSON.stringify(body))
      })
    })
    this.server = server
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(this.options.port ?? 0, this.options.host ?? '127.0.0.1', () => resolve())
    })
    return this.url()
  }

  url(): string {
    const address = this.server?.address() as AddressInfo | null
    if (!address) return ''
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address
    return `http://${host}:${address.port}/trigger`
  }

  async stop(): Promise<void> {
    const s = this.server
    this.server = null
    if (!s) return
    const closed = new Promise<void>((resolve) => s.close(() => resolve()))
    // Keep-alive connections (PLC clients, fetch) would hold close() open.
    s.closeAllConnections()
    await closed
  }

  private async handle(req: IncomingMessage): Promise<{ status: number; body: unknown }> {
    const path = (req.url ?? '').split('?')[0]
    if (path !== '/trigger') return { status: 404, body: { error: 'Not found: POST /trigger' } }
    if (req.method !== 'POST') return { status: 405, body: { error: 'Use POST /trigger' } }
    if (this.options.token && !tokenMatches(req, this.options.token)) return { status: 401, body: { error: 'Missing or wrong trigger token' } }
    let text: string
    try {
      text = await readBody(req)
    } catch (error) {
      return { status: 413, body: { error: (error as Error).message } }
    }
    let partId: string | undefined
    if (text.trim()) {
      try {
        const payload = JSON.parse(text) as { partId?: unknown }
        if (payload.partId !== undefined) {
          if (typeof payload.partId !== 'string' && typeof payload.partId !== 'number') throw new Error('partId must be a string')
          partId = String(payload.partId).slice(0, 200)
        }
      } catch (error) {
        return { status: 400, body: { error: `Body must be JSON like {"partId":"A123"}: ${(error as Error).message}` } }
      }
    }
    try {
      await this.options.onTrigger(partId === undefined ? {} : { partId })
    } catch (error) {
      return { status: 409, body: { error: (error as Error).message } }
    }
    return { status: 202, body: { accepted: true, partId: partId ?? null } }
  }
}

function tokenMatches(req: IncomingMessage, token: string): boolean {
  const auth = req.headers.authorization
  const given = auth?.startsWith('Bearer ') ? auth.slice(7) : (req.headers['x-trigger-token'] as string | undefined)
  if (!given) return false
  const a = Buffer.from(given)
  const b = Buffer.from(token)
  return a.length === b.length && timingSafeEqual(a, b)
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_BODY) {
        reject(new Error(`Body larger than ${MAX_BODY} bytes`))
        req.destroy()
        return
      }
      chunks.push(chunk)
    })
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}
