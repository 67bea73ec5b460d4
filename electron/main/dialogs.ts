import { dialog, type BrowserWindow, type OpenDialogOptions, type SaveDialogOptions } from 'electron'
import { PATH_KIND_EXTENSIONS, type PathKind } from '../../shared/contract/paths'
import type { HandlerMap } from '../services/router'

const FILTER_NAMES: Record<PathKind, string> = {
  folder: 'Folders',
  project: 'Defect Studio projects',
  image: 'Images',
  weights: 'ResNet18 weights (.safetensors)',
  'model-package': 'Model packages (.dsmodel)'
}

/**
 * 'paths:pick': the native open / save dialog over the main window. It is registered on
 * the shared Router, so like every channel it answers only our own window's top frame
 * (ipc.ts checks the sender) and its payload is validated first. What it returns is only
 * a path: the call that then uses it checks it like any other path from the renderer.
 */
export function dialogHandlers(getWindow: () => BrowserWindow | null): HandlerMap {
  return {
    'paths:pick': async ({ kind, save, defaultName }) => {
      const window = getWindow()
      const filters = kind === 'folder' ? [] : [{ name: FILTER_NAMES[kind], extensions: PATH_KIND_EXTENSIONS[kind].map((e) => e.slice(1)) }]
      if (save) {
        const options: SaveDialogOptions = { filters, ...(defaultName ? { defaultPath: defaultName } : {}), properties: ['createDirectory', 'showOverwriteConfirmation'] }
        const r = window ? await dialog.showSaveDialog(window, options) : await dialog.showSaveDialog(options)
        return { path: r.canceled || !r.filePath ? null : r.filePath }
      }
      const options: OpenDialogOptions = { filters, properties: kind === 'folder' ? ['openDirectory', 'createDirectory'] : ['openFile'] }
      const r = window ? await dialog.showOpenDialog(window, options) : await dialog.showOpenDialog(options)
      return { path: r.canceled ? null : (r.filePaths[0] ?? null) }
    }
  }
}
