import { protocol } from 'electron'
import { mediaCacheControl, type AppServices } from '../services/app-services'
import { rendererFile } from './app-files'
import { APP_HOST, APP_PROTOCOL, CONTENT_SECURITY_POLICY, IMAGE_PROTOCOL } from './security'

/**
 * Must run before app 'ready': the image and app protocols behave like standard, secure
 * schemes (their own origin, fetch, secure context for the camera).
 */
export function registerImageScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: IMAGE_PROTOCOL, privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true } },
    { scheme: APP_PROTOCOL, privileges: { standard: true, secure: true, supportFetchAPI: true } }
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
    const media = await services.media(url.hostname, url.pathname.replace(/^\//, ''), url.searchParams.get('thumb') === '1', url.searchParams.get('v'))
    if (!media) return new Response('Not found', { status: 404 })
    return new Response(media.bytes, { headers: { 'Content-Type': media.contentType, 'Cache-Control': mediaCacheControl(media) } })
  })
}

/**
 * Serves the built renderer as `app://defect-studio/…` instead of loadFile: a real origin
 * of its own (not file://, which shares one with every local file), with the CSP on every
 * response. Only the one host and only files inside the renderer folder are served.
 */
export function handleAppProtocol(rendererDir: string): void {
  protocol.handle(APP_PROTOCOL, async (request) => {
    const url = new URL(request.url)
    if (url.host !== APP_HOST) return new Response('Not found', { status: 404 })
    const file = await rendererFile(rendererDir, url.pathname)
    return new Response(file.bytes, {
      status: file.status,
      headers: { 'Content-Type': file.contentType, 'Content-Security-Policy': CONTENT_SECURITY_POLICY, 'X-Content-Type-Options': 'nosniff' }
    })
  })
}
