import type { z } from 'zod'
import { appChannels, appEvents } from './app'
import { engineChannels, engineEvents } from './engine'
import { inspectionChannels, inspectionEvents } from './inspection'
import { trainingChannels, trainingEvents } from './training'
import { anomalyChannels, anomalyEvents } from './anomaly'
import { projectChannels, projectEvents } from './projects'
import { imageChannels, imageEvents } from './images'
import { lineChannels, lineEvents } from './line'
import { pathChannels } from './paths'
import type { EventChannel, RequestChannel } from './define'

export * from './define'
export * from './projects'
export * from './images'
export * from './app'
export * from './engine'
export * from './inspection'
export * from './training'
export * from './anomaly'
export * from './settings'
export * from './schema-limits'
export * from './line'
export * from './paths'

/**
 * The whole contract: every request channel and every event, by name. Each domain keeps
 * its channels in its own file (`app.ts`, `projects.ts`, ...); this map joins them.
 */
export const channels = {
  ...projectChannels,
  ...imageChannels,
  ...appChannels,
  ...engineChannels,
  ...inspectionChannels,
  ...trainingChannels,
  ...anomalyChannels,
  ...lineChannels,
  ...pathChannels
} as const

export const events = {
  ...projectEvents,
  ...imageEvents,
  ...appEvents,
  ...engineEvents,
  ...inspectionEvents,
  ...trainingEvents,
  ...anomalyEvents,
  ...lineEvents
} as const

export type Channels = typeof channels
export type ChannelName = keyof Channels
export type PayloadOf<C extends ChannelName> = z.input<Channels[C]['payload']>
export type ResultOf<C extends ChannelName> = Channels[C] extends RequestChannel<z.ZodType, infer R> ? R : never
export type EventName = keyof typeof events
/** What a listener receives for event E (the schema's output). */
export type EventPayloadOf<E extends EventName> = (typeof events)[E] extends EventChannel<infer P> ? z.infer<P> : never
/** What an emitter passes for event E (the schema's input: fields with defaults may be left out). */
export type EventPayload<E extends EventName> = (typeof events)[E] extends EventChannel<infer P> ? z.input<P> : never

/**
 * Send one contract event. The payload's type follows the event's name, so a service
 * cannot emit a payload its event does not declare (tests/unit/contract/typed-boundaries.test.ts).
 */
export type EmitEvent = <E extends EventName>(event: E, payload: EventPayload<E>) => void

export function isEventName(name: string): name is EventName {
  return Object.prototype.hasOwnProperty.call(events, name)
}

/**
 * Check an event's payload against its schema before it is sent (the contract's promise to
 * every renderer). Returns the problems as "path: message" lines; empty when it fits.
 */
export function eventPayloadIssues(event: EventName, payload: unknown): string[] {
  const parsed = (events[event].payload as z.ZodType).safeParse(payload)
  return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.map(String).join('.') || '(payload)'}: ${i.message}`)
}

export function isChannelName(name: string): name is ChannelName {
  return Object.prototype.hasOwnProperty.call(channels, name)
}
