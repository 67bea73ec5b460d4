import { z } from 'zod'
import { event, request } from './define'

/** Execution provider names as onnxruntime spells them. */
export const ExecutionProviderName = z.enum(['cuda', 'dml', 'coreml', 'webgpu', 'cpu'])
export type ExecutionProviderName = z.infer<typeof ExecutionProviderName>

export interface EngineStatus {
  state: 'starting' | 'ready' | 'busy' | 'restarting' | 'error'
  /** The provider sessions run on now, and why it was chosen (or why a GPU fell back). */
  provider: ExecutionProviderName
  providerReason: string
  /** Active model of the open project, or null: "no model yet". */
  activeModel: { version: number; kind: string } | null
  /** Backbone weights in use: 'imagenet' | 'imported' | 'random' (random shows a warning). */
  weights: { source: 'imagenet' | 'imported' | 'bundled' | 'random'; warning?: string }
}

export interface AppStatus {
  version: string
  /** 'electron' or 'browser': only for display; the renderer never branches on it. */
  mode: 'electron' | 'browser'
  project: { path: string; name: string } | null
  engine: EngineStatus
}

export const appChannels = {
  'app:status': request<z.ZodObject<{}>, AppStatus>(z.object({}).strict(), 'Version, open project and engine state for the status bar.'),
  'app:ping': request<z.ZodObject<{ echo: z.ZodString }>, { echo: string }>(
    z.object({ echo: z.string().max(1000) }).strict(),
    'Round trip check used by tests and the ready signal.'
  )
} as const

export const appEvents = {
  'app:engine-status': event(
    z.object({
      state: z.enum(['starting', 'ready', 'busy', 'restarting', 'error']),
      provider: ExecutionProviderName,
      providerReason: z.string()
    }),
    'The engine worker changed state (started, crashed and restarted, provider fallback).'
  )
} as const
