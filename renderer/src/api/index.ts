import { createApiClient, type ApiClient } from './client'
import { createElectronTransport, type PreloadApi } from './electron-transport'
import { browserModeUrl, createWebSocketTransport } from './websocket-transport'

export { API_KEY, ApiError, createApiClient, errorMessage, useApi, type ApiClient } from './client'

/**
 * Choose the transport once, at start: the Electron preload when it exposed
 * `window.defectStudio`, otherwise browser mode's WebSocket to the page's own server.
 */
export function createDefaultApi(win: Window & { defectStudio?: PreloadApi } = window): ApiClient {
  if (win.defectStudio) return createApiClient(createElectronTransport(win.defectStudio))
  const { url, token } = browserModeUrl(win.location)
  return createApiClient(createWebSocketTransport({ url, token }))
}
