import { BrowserWindow, session, shell } from 'electron'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { APP_URL, CONTENT_SECURITY_POLICY, isExternalLinkAllowed, isOwnPage, isPermissionAllowed, secureWebPreferences } from './security'

/**
 * Creates the main window with the security defaults, set once here: isolated, sandboxed
 * renderer without Node; CSP on every response; navigation and new windows denied; camera
 * permission only for our own page.
 */
// The main bundle is an ES module: no CommonJS here.
const here = fileURLToPath(new URL('.', import.meta.url))

/** The built renderer beside the main bundle (out/renderer), served by the app:// protocol. */
export function rendererDir(): string {
  return join(here, '../renderer')
}

export function createMainWindow(): { window: BrowserWindow; appUrl: string } {
  const preload = join(here, '../preload/index.cjs')
  const window = new BrowserWindow({
    width: 1440,
    height: 900,
    minWidth: 1024,
    minHeight: 700,
    show: false,
    title: 'Defect Studio',
    backgroundColor: '#ffffff',
    webPreferences: secureWebPreferences(preload)
  })

  const devUrl = process.env.ELECTRON_RENDERER_URL
  // Packaged: the app:// protocol (electron/main/protocol.ts), never file://.
  const appUrl = devUrl ? new URL(devUrl).href : APP_URL

  const ses = window.webContents.session ?? session.defaultSession
  ses.webRequest.onHeadersReceived((details, callback) => {
    const headers = { ...details.responseHeaders }
    if (isOwnPage(details.url, appUrl)) headers['Content-Security-Policy'] = [CONTENT_SECURITY_POLICY]
    callback({ responseHeaders: headers })
  })
  ses.setPermissionRequestHandler((contents, permission, callback, details) => {
    callback(isPermissionAllowed(permission, details.requestingUrl ?? contents.getURL(), appUrl, details as { mediaTypes?: string[] }))
  })
  ses.setPermissionCheckHandler((_contents, permission, requestingOrigin) => permission === 'media' && isOwnPage(requestingOrigin, appUrl))

  window.webContents.on('will-navigate', (event, url) => {
    if (!isOwnPage(url, appUrl)) event.preventDefault()
  })
  window.webContents.on('will-attach-webview', (event) => event.preventDefault())
  window.webContents.setWindowOpenHandler(({ url }) => {
    // Links to documentation open in the user's browser, never in an app window, and only
    // for the allow-listed sites (security.ts): a URL from data must not launch anything else.
    if (isExternalLinkAllowed(url)) void shell.openExternal(url)
    return { action: 'deny' }
  })

  window.once('ready-to-show', () => window.show())
  void window.loadURL(devUrl ?? appUrl)
  return { window, appUrl }
}
