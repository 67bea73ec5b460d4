import type { z } from 'zod'
import { appChannels, appEvents } from './app'
import { engineChannels, engineEvents } from './engine'
import { inspectionChannels, inspectionEvents } from './inspection'
import { trainingChannels, trainingEvents } from './training'
import { anomalyChannels, anomalyEvents } from './anomaly'
import { projectChannels, projectEvents } from './projects'
import { imageChannels, imageEvents } from './images'
import { lineChannels, lineEvents } from './line'
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
  ...lineChannels
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
export type EventPayloadOf<E extends EventName> = (typeof events)[E] extends EventChannel<infer P> ? z.infer<P> : never

export function isChannelName(name: string): name is ChannelName {
  return Object.prototype.hasOwnProperty.call(channels, name)
}
