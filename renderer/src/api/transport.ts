import type { CallResult } from '../../../shared/contract/define'

/**
 * The one seam between the renderer and the outside world. Three implementations: the
 * Electron preload (`window.defectStudio`), browser mode's WebSocket, and an in-memory fake
 * for component tests. Channel and event names are untyped here; `client.ts` adds the types.
 */
export interface Transport {
  readonly kind: 'electron' | 'websocket' | 'fake'
  call(channel: string, payload: unknown): Promise<CallResult<unknown>>
  /** Subscribe to a main → renderer event; returns the unsubscribe function. */
  on(event: string, listener: (payload: unknown) => void): () => void
  /**
   * URL the page can put in an <img src> for a stored image: a labelled image (`kind`
   * 'image', the default) or the kept image of an inspection ('inspection'). `version`
   * (the image's SHA-256) makes a labelled image's URL unique to its content.
   */
  imageUrl(id: number | string, opts: { thumb: boolean; kind?: MediaKind; version?: string }): string
  /**
   * Turn files the user dropped or picked into paths the services can import: browser mode
   * uploads them (POST /upload), Electron asks the preload for their paths. Absent when
   * the transport cannot (the drop zone is then hidden).
   */
  uploadFiles?(files: File[], onProgress?: (done: number, total: number) => void): Promise<string[]>
  /**
   * A folder the user picked (files carry `webkitRelativePath`): the path of that folder as
   * the services see it, keeping its class subfolders — uploaded as one batch in browser
   * mode, located on disk in Electron.
   */
  uploadFolder?(files: File[], onProgress?: (done: number, total: number) => void): Promise<string>
}

/** What the media route serves: labelled images and kept inspection images. */
export type MediaKind = 'image' | 'inspection'

/** The top folder of a picked folder's files ('photos' for 'photos/ok/a.jpg'). */
export function pickedFolderName(files: File[]): string {
  const first = files.find((f) => f.webkitRelativePath)?.webkitRelativePath ?? ''
  const top = first.split('/')[0] ?? ''
  if (!top) throw new Error('No folder was picked (the browser gave no folder paths).')
  return top
}

/** A CallResult for failures that happen before the server answers (lost connection, no preload). */
export function transportFailure(message: string): CallResult<never> {
  return { ok: false, error: { code: 'failed', message } }
}
