import type { InjectionKey } from 'vue'
import { inject } from 'vue'
import type { CallError, CallResult } from '../../../shared/contract/define'
import { events, type ChannelName, type EventName, type EventPayloadOf, type PayloadOf, type ResultOf } from '../../../shared/contract/index'
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

/**
 * A result as the main process answered it. Results have no schema (their types are the
 * contract's phantom `result`); they come from our own services, whose handlers the Router
 * types by channel, so this is the one place the renderer takes a result's type on trust.
 */
function answered<C extends ChannelName>(result: CallResult<unknown>): CallResult<ResultOf<C>> {
  return result as CallResult<ResultOf<C>>
}

/** An event's payload through its contract schema: what listeners get is exactly the declared type. */
function eventPayload<E extends EventName>(event: E, payload: unknown): { ok: true; value: EventPayloadOf<E> } | { ok: false } {
  const parsed = events[event].payload.safeParse(payload)
  // events[E] widens to the union of all events; its output is EventPayloadOf<E> by definition.
  if (parsed.success) return { ok: true, value: parsed.data as EventPayloadOf<E> }
  console.error(`Ignored a "${event}" event whose payload does not fit the contract: ${parsed.error.issues.map((i) => i.message).join('; ')}`)
  return { ok: false }
}

export function createApiClient(transport: Transport): ApiClient {
  return {
    async call(channel, payload) {
      return answered(await transport.call(channel, payload))
    },
    async request(channel, payload) {
      const result = answered<typeof channel>(await transport.call(channel, payload))
      if (!result.ok) throw new ApiError(channel, result.error)
      return result.value
    },
    on(event, listener) {
      return transport.on(event, (payload) => {
        const checked = eventPayload(event, payload)
        if (checked.ok) listener(checked.value)
      })
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
