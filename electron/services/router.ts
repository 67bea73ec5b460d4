import type { z } from 'zod'
import {
  channels,
  isChannelName,
  type CallError,
  type CallResult,
  type ChannelName,
  type ResultOf
} from '../../shared/contract/index'
import { toCallError } from './error-codes'

/** Who sent a call. Electron checks the sending frame; browser mode checks the socket. */
export interface CallContext {
  /** True only when the sender is our own window (Electron) or an authorised socket. */
  trusted: boolean
  /** For logs and error messages. */
  origin: string
}

/** The payload a handler of channel C receives: its schema's output. */
type ParsedPayloads = { [C in ChannelName]: z.output<(typeof channels)[C]['payload']> }

/** A handler receives the payload already validated by the channel's schema. */
export type Handler<C extends ChannelName> = (
  payload: ParsedPayloads[C],
  ctx: CallContext
) => Promise<ResultOf<C>> | ResultOf<C>

export type HandlerMap = { [C in ChannelName]?: Handler<C> }

/**
 * The one place calls from the renderer arrive, whatever the transport (Electron IPC or
 * browser mode's WebSocket). Order matters and is tested: sender, channel, payload, then
 * the handler; every failure becomes a typed error result, never a throw or a stack.
 */
export class Router {
  private readonly handlers: HandlerMap = {}

  register(handlers: HandlerMap): void {
    for (const [name, handler] of Object.entries(handlers)) {
      if (!isChannelName(name)) throw new Error(`Router: "${name}" is not a contract channel`)
      if (this.handlers[name]) throw new Error(`Router: "${name}" already has a handler`)
      ;(this.handlers as Record<string, unknown>)[name] = handler
    }
  }

  /** Channels that have a handler: the Electron adapter registers exactly these. */
  registeredChannels(): ChannelName[] {
    return Object.keys(this.handlers) as ChannelName[]
  }

  async handle(channel: string, payload: unknown, ctx: CallContext): Promise<CallResult<unknown>> {
    if (!ctx.trusted) {
      return fail({ code: 'untrusted-sender', message: `Refused "${String(channel).slice(0, 80)}": the request did not come from Defect Studio's own window.` })
    }
    if (typeof channel !== 'string' || !isChannelName(channel)) {
      return fail({ code: 'unknown-channel', message: `Unknown request "${String(channel).slice(0, 80)}".` })
    }
    return this.run(channel, payload, ctx)
  }

  /** One channel's schema and handler, typed by that channel (no cast between them). */
  private async run<C extends ChannelName>(channel: C, payload: unknown, ctx: CallContext): Promise<CallResult<unknown>> {
    const handler: Handler<C> | undefined = this.handlers[channel]
    if (!handler) {
      return fail({ code: 'unknown-channel', message: `"${channel}" is not available in this build.` })
    }
    const parsed = channels[channel].payload.safeParse(payload ?? {})
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(payload)'}: ${i.message}`)
      return fail({ code: 'invalid-payload', message: `Invalid request to "${channel}": ${issues.join('; ')}`, issues })
    }
    try {
      // TypeScript widens channels[C] to the union of all channels, so it cannot see that this
      // schema's output is handler C's payload (it is, by construction of ParsedPayloads).
      const value = await handler(parsed.data as ParsedPayloads[C], ctx)
      return { ok: true, value }
    } catch (error) {
      return fail(toCallError(error, channel))
    }
  }
}


function fail(error: CallError): CallResult<never> {
  return { ok: false, error }
}
