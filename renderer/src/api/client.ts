import type { InjectionKey } from 'vue'
import { inject } from 'vue'
import type { CallError, CallResult } from '../../../shared/contract/define'
import type { ChannelName, EventName, EventPayloadOf, PayloadOf, ResultOf } from '../../../shared/contract/index'
import type { MediaKind, Transport } from './transport'

/** The renderer's one typed client. Everything else in the renderer talks through this. */
export interface ApiClient {
  call<C extends ChannelName>(channel: C, payload: PayloadOf<C>): Promise<CallResult<ResultOf<C>>>
  /** Like call, but throws ApiError on failure: for stores that turn errors into UI state. */
  request<C extends ChannelName>(channel: C, payload: PayloadOf<C>): Promise<ResultOf<C>>
  on<E extends EventName>(event: E, listener: (payload: EventPayloadOf<E>) => void): () => void
  /**
   * <img src> for a stored image (labelled, or an inspection's kept image), whichever transport serves it.
   * `version` (the image's SHA-256) makes the URL unique to the content, so it is cached
   * for good and never shows another project's image with the same id.
   */
  imageUrl(id: number | string, opts?: { thumb?: boolean; kind?: MediaKind; version?: string }): string
  /** Whether dropped/picked files can be imported through this transport. */
  readonly canUpload: boolean
  /** Paths the services can import for dropped or picked files (see Transport.uploadFiles). */
  uploadFiles(files: File[], onProgress?: (done: number, total: number) => void): Promise<string[]>
  /** The services' path of a folder the user picked (see Transport.uploadFolder). */
  uploadFolder(files: File[], onProgress?: (done: number, total: number) => void): Promise<string>
}

/** A failed call, carrying the server's typed error (its message is for people). */
export class ApiError extends Error {
  constructor(readonly channel: string, readonly error: CallError) {
    super(error.message)
    this.name = 'ApiError'
  }
  get code(): CallError['code'] {
    return this.error.code
  }
}

export function createApiClient(transport: Transport): ApiClient {
  return {
    call(channel, payload) {
      return transport.call(channel, payload) as Promise<CallResult<never>>
    },
    async request(channel, payload) {
      const result = await transport.call(channel, payload)
      if (!result.ok) throw new ApiError(channel, result.error)
      return result.value as never
    },
    on(event, listener) {
      return transport.on(event, listener as (payload: unknown) => void)
    },
    imageUrl(id, opts) {
      return transport.imageUrl(id, {
        thumb: opts?.thumb ?? false,
        ...(opts?.kind ? { kind: opts.kind } : {}),
        ...(opts?.version ? { version: opts.version } : {}),
      })
    },
    canUpload: typeof transport.uploadFiles === 'function',
    uploadFiles(files, onProgress) {
      if (!transport.uploadFiles) return Promise.reject(new Error('Dropping files is not available here; use the folder field.'))
      return transport.uploadFiles(files, onProgress)
    },
    uploadFolder(files, onProgress) {
      if (!transport.uploadFolder) return Promise.reject(new Error('Picking a folder is not available here; type its path.'))
      return transport.uploadFolder(files, onProgress)
    }
  }
}

export const API_KEY: InjectionKey<ApiClient> = Symbol('defect-studio-api')

/** The client provided by main.ts (or by a test's fake); inside components and setup stores. */
export function useApi(): ApiClient {
  const api = inject(API_KEY, null)
  if (!api) throw new Error('useApi(): no API client provided; main.ts (or the test) must app.provide(API_KEY, client).')
  return api
}
