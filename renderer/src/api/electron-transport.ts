import type { CallResult } from '../../../shared/contract/define'
import { eventApiName, requestApiName } from '../../../shared/contract/api-names'
import { pickedFolderName, transportFailure, type Transport } from './transport'

type PreloadFunction = (arg: unknown) => unknown
/** Shape of `window.defectStudio`: `{ [domain]: { [member]: function } }`. */
export type PreloadApi = Record<string, Record<string, PreloadFunction> | undefined>

/**
 * Talks to the Electron preload, whose named functions follow the shared naming rule
 * (shared/contract/api-names.ts). Images come through the `ds-image://` protocol.
 */
export function createElectronTransport(preload: PreloadApi): Transport {
  const member = (domain: string, name: string): PreloadFunction | undefined => {
    const fn = preload[domain]?.[name]
    return typeof fn === 'function' ? fn : undefined
  }
  return {
    kind: 'electron',
    async call(channel, payload) {
      const { domain, name } = requestApiName(channel)
      const fn = member(domain, name)
      if (!fn) return transportFailure(`This version of Defect Studio has no "${channel}" request; update the app.`)
      try {
        return (await fn(payload)) as CallResult<unknown>
      } catch (error) {
        return transportFailure(`"${channel}" failed inside the app bridge: ${error instanceof Error ? error.message : String(error)}`)
      }
    },
    on(event, listener) {
      const { domain, name } = eventApiName(event)
      const fn = member(domain, name)
      if (!fn) return () => {}
      const unsubscribe = fn(listener)
      return typeof unsubscribe === 'function' ? (unsubscribe as () => void) : () => {}
    },
    imageUrl(id, { thumb, kind, version }) {
      const params = new URLSearchParams()
      if (thumb) params.set('thumb', '1')
      if (version) params.set('v', version)
      const query = params.toString()
      return `ds-image://${kind ?? 'image'}/${encodeURIComponent(String(id))}${query ? `?${query}` : ''}`
    },
    async uploadFiles(files, onProgress) {
      // Dropped files are already on this machine: the preload tells their paths.
      const pathForFile = member('files', 'pathForFile')
      if (!pathForFile) throw new Error('This version of Defect Studio cannot import dropped files; use the folder field.')
      const paths = files.map((file) => String(pathForFile(file)))
      onProgress?.(files.length, files.length)
      return paths.filter((p) => p.length > 0)
    },
    async uploadFolder(files) {
      // The picked folder is on this machine: its path is a file's path minus the part
      // below the folder ('/home/u/photos/ok/a.jpg' less 'ok/a.jpg').
      const top = pickedFolderName(files)
      const pathForFile = member('files', 'pathForFile')
      const file = files.find((f) => f.webkitRelativePath)
      if (!pathForFile || !file) throw new Error('This version of Defect Studio cannot import a picked folder; type its path instead.')
      const absolute = String(pathForFile(file)).replace(/\\/g, '/')
      const below = file.webkitRelativePath.slice(top.length)
      if (!absolute.endsWith(below)) throw new Error('Could not tell where the picked folder is; type its path instead.')
      return absolute.slice(0, absolute.length - below.length)
    }
  }
}
