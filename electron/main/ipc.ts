import { ipcMain, type BrowserWindow, type IpcMainInvokeEvent } from 'electron'
import type { AppServices } from '../services/app-services'
import { isOwnPage } from './security'

/**
 * The only caller of ipcMain.handle. Each contract channel with a handler is registered
 * once; the sender must be our main window's top frame on our own page, then the shared
 * Router validates the payload and runs the service.
 */
export function registerIpc(services: AppServices, getWindow: () => BrowserWindow | null, appUrl: string): () => void {
  const names = services.router.registeredChannels()
  for (const channel of names) {
    ipcMain.handle(channel, (event: IpcMainInvokeEvent, payload: unknown) =>
      services.router.handle(channel, payload, { trusted: isTrustedSender(event, getWindow(), appUrl), origin: event.senderFrame?.url ?? 'unknown' })
    )
  }
  const unsubscribe = services.onEvent((name, payload) => {
    const window = getWindow()
    if (window && !window.isDestroyed()) window.webContents.send(name, payload)
  })
  return () => {
    unsubscribe()
    for (const channel of names) ipcMain.removeHandler(channel)
  }
}

export function isTrustedSender(event: IpcMainInvokeEvent, window: BrowserWindow | null, appUrl: string): boolean {
  if (!window || window.isDestroyed()) return false
  if (event.sender.id !== window.webContents.id) return false
  const frame = event.senderFrame
  if (!frame || frame !== window.webContents.mainFrame) return false
  return isOwnPage(frame.url, appUrl)
}
