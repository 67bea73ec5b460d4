import { app, BrowserWindow } from 'electron'
import { createAppServices, type AppServices } from '../services/app-services'
import { dialogHandlers } from './dialogs'
import { registerIpc } from './ipc'
import { handleAppProtocol, handleImageProtocol, registerImageScheme } from './protocol'
import { createMainWindow, rendererDir } from './window'

// Lifecycle only: services come from the same composition root as browser mode and tests.
registerImageScheme()

let mainWindow: BrowserWindow | null = null
let services: AppServices | null = null

// One instance per user: a second launch focuses the first window.
if (!app.requestSingleInstanceLock()) {
  app.quit()
} else {
  app.on('second-instance', () => {
    if (mainWindow) {
      if (mainWindow.isMinimized()) mainWindow.restore()
      mainWindow.focus()
    }
  })

  app.whenReady().then(async () => {
    services = await createAppServices({ mode: 'electron' })
    handleImageProtocol(services)
    handleAppProtocol(rendererDir())
    const created = createMainWindow()
    mainWindow = created.window
    services.router.register(dialogHandlers(() => mainWindow))
    registerIpc(services, () => mainWindow, created.appUrl)
    mainWindow.on('closed', () => (mainWindow = null))
  })

  app.on('window-all-closed', async () => {
    await services?.close()
    app.quit()
  })
}
