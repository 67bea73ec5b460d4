import { timingSafeEqual } from 'node:crypto'
import type { IncomingMessage } from 'node:http'

/**
 * Who may talk to browser mode. On loopback (the default) no token is needed, but the
 * WebSocket and POSTs still check Origin so a web page in the user's browser cannot drive
 * the app (cross-site WebSocket hijacking). When exposed, every request needs the token:
 * as `?token=` on the page URL, then an HttpOnly SameSite cookie for images and sockets.
 */
export interface AccessPolicy {
  token: string | null
}

export const TOKEN_COOKIE = 'ds_token'

export function tokenFrom(req: IncomingMessage, url: URL): string | null {
  const fromQuery = url.searchParams.get('token')
  if (fromQuery) return fromQuery
  const header = req.headers.authorization
  if (header?.startsWith('Bearer ')) return header.slice(7)
  const cookies = req.headers.cookie ?? ''
  for (const part of cookies.split(';')) {
    const [name, ...rest] = part.trim().split('=')
    if (name === TOKEN_COOKIE) return decodeURIComponent(rest.join('='))
  }
  return null
}

export function hasAccess(policy: AccessPolicy, req: IncomingMessage, url: URL): boolean {
  if (policy.token === null) return true
  const given = tokenFrom(req, url)
  if (!given) return false
  const a = Buffer.from(given)
  const b = Buffer.from(policy.token)
  return a.length === b.length && timingSafeEqual(a, b)
}

/** A request from another site (Origin present and not ours) is refused. */
export function isSameOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin
  if (!origin) return true // non-browser clients (CLI tools, curl, PLC gateways) send none
  const host = req.headers.host
  if (!host) return false
  try {
    return new URL(origin).host === new URL(`http://${host}`).host
  } catch {
    return false
  }
}

/**
 * Which `Host` headers the server answers (DNS rebinding: a page on evil.example whose name
 * later resolves to 127.0.0.1 is "same origin" with itself, so only the Host header tells it
 * apart). `null` = any host: a wildcard bind (0.0.0.0, ::) on the network, where the
 * mandatory token is the guard because the machine's own names are not known here.
 */
export function allowedHosts(bindHost: string, port: number, loopback: ReadonlySet<string>): Set<string> | null {
  if (bindHost === '0.0.0.0' || bindHost === '::') return null
  const names = new Set<string>(['127.0.0.1', 'localhost', '[::1]'])
  if (!loopback.has(bindHost)) names.add(bindHost.includes(':') ? `[${bindHost}]` : bindHost)
  return new Set([...names].map((name) => `${name.toLowerCase()}:${port}`))
}

/** True when the request's Host header names this server (see allowedHosts). */
export function isAllowedHost(req: IncomingMessage, allowed: ReadonlySet<string> | null): boolean {
  if (allowed === null) return true
  const host = req.headers.host
  if (!host || host.length > 300) return false
  let parsed: URL
  try {
    parsed = new URL(`http://${host}`)
  } catch {
    return false
  }
  // The URL parser drops a default port (80); a bare "localhost" is only ours on port 80.
  const port = parsed.port || '80'
  return allowed.has(`${parsed.hostname.toLowerCase()}:${port}`)
}
