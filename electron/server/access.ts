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
  try {
    return new URL(origin).host === host
  } catch {
    return false
  }
}
