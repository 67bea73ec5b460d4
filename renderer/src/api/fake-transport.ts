import type { CallError, CallResult } from '../../../shared/contract/define'
import type { Transport } from './transport'

/** A handler of the fake: return a value (→ ok result) or throw FakeCallError (→ error result). */
export type FakeHandler = (payload: any) => unknown

export class FakeCallError extends Error {
  constructor(readonly error: CallError) {
    super(error.message)
    this.name = 'FakeCallError'
  }
}

export interface FakeTransport extends Transport {
  /** Every call made, in order: what the component asked for. */
  readonly calls: Array<{ channel: string; payload: unknown }>
  /** Push an event to subscribers, as the main process would. */
  emit(event: string, payload: unknown): void
  /** Replace or add handlers while a test runs. */
  handle(channel: string, handler: FakeHandler): void
  listenerCount(event: string): number
}

/**
 * In-memory transport for component tests: no Electron, no server. A call to a channel
 * without a handler answers 'unknown-channel', exactly as the real router does.
 */
export function createFakeTransport(handlers: Record<string, FakeHandler> = {}): FakeTransport {
  const table = new Map(Object.entries(handlers))
  const listeners = new Map<string, Set<(payload: unknown) => void>>()
  const calls: Array<{ channel: string; payload: unknown }> = []
  return {
    kind: 'fake',
    calls,
    async call(channel, payload): Promise<CallResult<unknown>> {
      calls.push({ channel, payload })
      const handler = table.get(channel)
      if (!handler) return { ok: false, error: { code: 'unknown-channel', message: `Unknown request "${channel}".` } }
      try {
        return { ok: true, value: await handler(payload) }
      } catch (error) {
        if (error instanceof FakeCallError) return { ok: false, error: error.error }
        return { ok: false, error: { code: 'failed', message: error instanceof Error ? error.message : String(error) } }
      }
    },
    on(event, listener) {
      let set = listeners.get(event)
      if (!set) listeners.set(event, (set = new Set()))
      set.add(listener)
      return () => set.delete(listener)
    },
    emit(event, payload) {
      for (const listener of listeners.get(event) ?? []) listener(payload)
    },
    handle(channel, handler) {
      table.set(channel, handler)
    },
    listenerCount(event) {
      return listeners.get(event)?.size ?? 0
    },
    imageUrl(id, { thumb, kind, version }) {
      const base = `fake-image://${kind && kind !== 'image' ? `${kind}/` : ''}${String(id)}`
      return `${base}${thumb ? '?thumb=1' : ''}${version ? `${thumb ? '&' : '?'}v=${version}` : ''}`
    }
  }
}
