import { Router, type HandlerMap } from './router'
import { appVersion } from './app-info'
import type { AppStatus, EngineStatus } from '../../shared/contract/index'

/**
 * The composition root: builds every service once and registers their handlers on one
 * Router. The Electron main process, browser mode and tests all start from here, so the
 * same code answers every transport.
 */
export interface AppServices {
  router: Router
  /** Push an event to every connected renderer (set by the transport). */
  emit: (event: string, payload: unknown) => void
  /** Subscribe a transport to events; returns an unsubscribe function. */
  onEvent(listener: (event: string, payload: unknown) => void): () => void
  status(): Promise<AppStatus>
  /**
   * Bytes of a stored image for the renderer (`kind` 'image' = labelled set, 'inspection'
   * = history), served by the ds-image protocol in Electron and /media/ in browser mode.
   */
  media(kind: string, id: string, thumb: boolean): Promise<{ bytes: Uint8Array; contentType: string } | null>
  close(): Promise<void>
}

export interface AppServicesOptions {
  mode: 'electron' | 'browser'
  /** Open this project at start (browser mode's --project). */
  projectFile?: string
}

export async function createAppServices(options: AppServicesOptions): Promise<AppServices> {
  const listeners = new Set<(event: string, payload: unknown) => void>()
  const emit = (event: string, payload: unknown): void => {
    for (const listener of listeners) listener(event, payload)
  }
  const router = new Router()

  const engineStatus = (): EngineStatus => ({
    state: 'ready',
    provider: 'cpu',
    providerReason: 'CPU: no GPU provider configured',
    activeModel: null,
    weights: { source: 'random', warning: 'No ImageNet weights yet: training starts from random initialisation and accuracy will be lower.' }
  })

  const status = async (): Promise<AppStatus> => ({
    version: appVersion(),
    mode: options.mode,
    project: null,
    engine: engineStatus()
  })

  const appHandlers: HandlerMap = {
    'app:status': () => status(),
    'app:ping': ({ echo }) => ({ echo })
  }
  router.register(appHandlers)

  return {
    router,
    emit,
    onEvent(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    status,
    async media() {
      return null
    },
    async close() {
      listeners.clear()
    }
  }
}
