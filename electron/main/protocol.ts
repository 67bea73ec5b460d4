import { protocol } from 'electron'
import type { AppServices } from '../services/app-services'
import { IMAGE_PROTOCOL } from './security'

/** Must run before app 'ready': the image protocol behaves like a standard, secure scheme. */
export function registerImageScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: IMAGE_PROTOCOL, privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true } }
  ])
}

/**
 * Serves stored images as `ds-image://image/<id>[?thumb=1]` and inspection images as
 * `ds-image://inspection/<id>`: bytes come from the project store, never from file paths,
 * so the renderer never needs file:// access or webSecurity off.
 */
export function handleImageProtocol(services: AppServices): void {
  protocol.handle(IMAGE_PROTOCOL, async (request) => {
    const url = new URL(request.url)
    const media = await services.media(url.hostname, url.pathname.replace(/^\//, ''), url.searchParams.get('thumb') === '1')
    if (!media) return new Response('Not found', { status: 404 })
    return new Response(media.bytes, { headers: { 'Content-Type': media.contentType, 'Cache-Control': 'private, max-age=3600' } })
  })
}
