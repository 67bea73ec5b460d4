import { z } from 'zod'
import { event, request } from './define'
import { ExecutionProviderName } from './app'

/**
 * The inference engine: execution provider in use, backbone weights (download / import /
 * status) and worker health. Predictions for the line go through the inspection domain;
 * `engine:predict` exists for checks from the UI and tests.
 */

export const BackboneSourceName = z.enum(['imagenet', 'imported', 'bundled', 'random'])
export type BackboneSourceName = z.infer<typeof BackboneSourceName>

export interface BackboneInfoDto {
  source: BackboneSourceName
  file?: string
  sha256?: string
  /** Set for 'random': accuracy will be lower. */
  warning?: string
}

export interface ProviderInfoDto {
  name: ExecutionProviderName
  available: boolean
  /** Whether automatic selection tries it (WebGPU is opt-in). */
  auto: boolean
  reason: string
}

export interface EngineInfoDto {
  state: 'starting' | 'ready' | 'restarting' | 'error' | 'stopped'
  /** Provider sessions run on now and why (e.g. why a GPU fell back to CPU). */
  provider: ExecutionProviderName
  providerReason: string
  ortVersion: string
  providers: ProviderInfoDto[]
  weights: BackboneInfoDto
  /** Times the worker was restarted after a crash since the app started. */
  restarts: number
  lastCrash: { reason: string; at: string } | null
}

export interface PredictionDto {
  image: string
  logits: number[]
  probabilities: number[]
  class: number
  /** Heatmap over the original image, values 0..1 row-major. */
  heatmap?: { width: number; height: number; data: number[]; peak: { x: number; y: number } }
}

export const engineChannels = {
  'engine:info': request<z.ZodObject<{}>, EngineInfoDto>(z.object({}).strict(), 'Provider in use and why, available providers, backbone weights, worker health.'),
  'engine:weights-download': request<z.ZodObject<{ url: z.ZodOptional<z.ZodString> }>, BackboneInfoDto & { bytes: number }>(
    z.object({ url: z.string().url().max(2000).optional() }).strict(),
    'Download ImageNet ResNet18 weights into the data folder (progress as engine:weights-progress).'
  ),
  'engine:weights-import': request<z.ZodObject<{ file: z.ZodString }>, BackboneInfoDto & { bytes: number; numClasses: number }>(
    z.object({ file: z.string().min(1).max(4096) }).strict(),
    'Import a ResNet18 .safetensors file the user chose (torchvision or timm names) as the backbone.'
  ),
  'engine:predict': request<
    z.ZodObject<{
      weightsFile: z.ZodString
      images: z.ZodArray<z.ZodString>
      size: z.ZodOptional<z.ZodNumber>
      fit: z.ZodOptional<z.ZodEnum<{ crop: 'crop'; whole: 'whole' }>>
      heatmap: z.ZodOptional<z.ZodBoolean>
    }>,
    { results: PredictionDto[] }
  >(
    z
      .object({
        weightsFile: z.string().min(1).max(4096),
        images: z.array(z.string().min(1).max(4096)).min(1).max(1000),
        size: z.number().int().min(32).max(1024).optional(),
        fit: z.enum(['crop', 'whole']).optional(),
        heatmap: z.boolean().optional()
      })
      .strict(),
    'Classify image files with a ResNet18 weights file (logits, probabilities, class, optional heatmap).'
  )
} as const

export const engineEvents = {
  'engine:weights-progress': event(
    z.object({ received: z.number(), total: z.number().nullable() }),
    'Bytes received so far while downloading backbone weights.'
  ),
  'engine:crashed': event(
    z.object({ exitCode: z.number().nullable(), reason: z.string(), inFlight: z.array(z.string()), restarts: z.number(), at: z.string() }),
    'The engine worker stopped unexpectedly; running requests failed and it was restarted.'
  )
} as const
