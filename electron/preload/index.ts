import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron'
import { channels, events } from '../../shared/contract/index'
import { preloadApiShape } from '../../shared/contract/api-names'

/**
 * Exposes `window.defectStudio`: one named function per contract channel
 * (`api.images.importFolder(payload)`) and one `onXxx(cb)` per event, each bound to its
 * fixed channel here. The renderer can name no channel of its own and gets nothing of Node.
 */
const api: Record<string, Record<string, unknown>> = {}

for (const entry of preloadApiShape(Object.keys(channels), Object.keys(events))) {
  const domain = (api[entry.domain] ??= {})
  if (entry.kind === 'request') {
    const channel = entry.channel
    domain[entry.name] = (payload?: unknown) => ipcRenderer.invoke(channel, payload ?? {})
  } else {
    const channel = entry.channel
    domain[entry.name] = (callback: (payload: unknown) => void) => {
      if (typeof callback !== 'function') throw new TypeError(`${entry.domain}.${entry.name} needs a callback`)
      const listener = (_event: IpcRendererEvent, payload: unknown) => callback(payload)
      ipcRenderer.on(channel, listener)
      return () => ipcRenderer.removeListener(channel, listener)
    }
  }
}

// Dropped files: the renderer gets the path of a File the user dropped (and nothing else of
// the file system); the import service then validates it like any other file.
api.files = {
  pathForFile: (file: unknown) => (file instanceof File ? webUtils.getPathForFile(file) : '')
}

contextBridge.exposeInMainWorld('defectStudio', Object.freeze(Object.fromEntries(Object.entries(api).map(([k, v]) => [k, Object.freeze(v)]))))
