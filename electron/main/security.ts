/**
 * Security settings, decided once and tested (tests/unit/main/security.test.ts). Kept free
 * of any Electron import so the test can read them without Electron.
 */

/** webPreferences for every window: isolation, sandbox, no Node, web security on. */
export function secureWebPreferences(preloadPath: string) {
  return {
    preload: preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    spellcheck: false
  } as const
}

/** The custom protocol that serves stored images to the renderer (never file://). */
export const IMAGE_PROTOCOL = 'ds-image'

/**
 * The packaged renderer is served as `app://defect-studio/…` (never file://, whose pages
 * get extra privileges and share one origin with every local file).
 */
export const APP_PROTOCOL = 'app'
export const APP_HOST = 'defect-studio'
export const APP_URL = `${APP_PROTOCOL}://${APP_HOST}/index.html`

/**
 * Sites a link in the app may open in the user's browser (shell.openExternal); anything
 * else (other hosts, http:, file:, custom schemes, credentials in the URL) is refused.
 */
export const EXTERNAL_LINK_HOSTS: readonly string[] = ['github.com', 'onnxruntime.ai', 'pytorch.org', 'huggingface.co']

export function isExternalLinkAllowed(url: string): boolean {
  try {
    const u = new URL(url)
    return u.protocol === 'https:' && u.port === '' && u.username === '' && u.password === '' && EXTERNAL_LINK_HOSTS.includes(u.hostname)
  } catch {
    return false
  }
}

/**
 * Content-Security-Policy sent with every response of our own page. Scripts only from the
 * app itself; images from the app, blobs and the image protocol; camera streams as blobs.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  `img-src 'self' data: blob: ${IMAGE_PROTOCOL}:`,
  "media-src 'self' blob: mediastream:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'"
].join('; ')

/** Only our own page may use the camera; every other permission is refused. */
export function isPermissionAllowed(permission: string, requestingUrl: string, appUrl: string, details?: { mediaTypes?: string[] }): boolean {
  if (!isOwnPage(requestingUrl, appUrl)) return false
  if (permission !== 'media') return false
  const types = details?.mediaTypes ?? []
  // Video only: a camera for inspection. Microphone access is never needed.
  return types.length > 0 && types.every((t) => t === 'video')
}

/** Same origin (http dev server) or the same packaged file/app URL as our window. */
export function isOwnPage(url: string, appUrl: string): boolean {
  try {
    const a = new URL(url)
    const b = new URL(appUrl)
    if (a.protocol === 'file:' && b.protocol === 'file:') return a.pathname === b.pathname
    // Node's URL gives custom schemes the origin "null": compare scheme and host instead.
    if (a.protocol === `${APP_PROTOCOL}:` || b.protocol === `${APP_PROTOCOL}:`) return a.protocol === b.protocol && a.host === b.host && a.host === APP_HOST
    return a.origin === b.origin && a.origin !== 'null'
  } catch {
    return false
  }
}
