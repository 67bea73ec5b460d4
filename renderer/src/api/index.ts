import { createApiClient, type ApiClient } from './client'
import { createElectronTransport, type PreloadApi } from './electron-transport'
import { browserModeUrl, createWebSocketTransport } from './websocket-transport'

export { API_KEY, ApiError, createApiClient, useApi, type ApiClient } from './client'
// Failures are shown in the app's language: the localized message, not the raw one.
export { errorMessage } from '../i18n/errors'

/**
 * Choose the transport once, at start: the Electron preload when it exposed
 * `window.defectStudio`, otherwise browser mode's WebSocket to the page's own server.
 */
export function createDefaultApi(win: Window & { defectStudio?: PreloadApi } = window): ApiClient {
  if (win.defectStudio) return createApiClient(createElectronTransport(win.defectStudio))
  const { url, token } = browserModeUrl(win.location)
  return createApiClient(createWebSocketTransport({ url, token }))
}
