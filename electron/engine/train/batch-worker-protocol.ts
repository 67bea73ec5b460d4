import type { RenderOptions } from './batch-render'

/**
 * Messages between the trainer's thread and its batch worker (batch-worker.ts). The host
 * sends each sample's bytes unless the worker has told it that the sample's decode is
 * cached; the worker asks for bytes it turns out to need (a decode evicted meanwhile).
 */

export interface BatchWorkerData {
  options: RenderOptions
  /** The process's decode-slot share (imaging/decode-slots.ts reads it from workerData). */
  decodeSlots: unknown
}

export interface RenderRequestItem {
  key: string
  draw: number
  /** Absent when the host believes the worker holds this sample decoded. */
  bytes?: Uint8Array
}

export type HostToBatchWorker =
  | { kind: 'render'; id: number; epoch: number; items: RenderRequestItem[] }
  | { kind: 'bytes'; key: string; bytes?: Uint8Array; error?: string }

/** A decode kept in (true) or evicted from (false) the worker's cache, in the order they happened. */
export type CacheEvent = [key: string, kept: boolean]

export interface BatchWorkerErrorInfo {
  name: string
  message: string
  /** ImageDecodeForTrainingError's sample key and reason, to raise the same error on the host. */
  key?: string
  reason?: string
}

export type BatchWorkerToHost =
  | { kind: 'rendered'; id: number; images: Float32Array; cache: CacheEvent[] }
  | { kind: 'failed'; id: number; error: BatchWorkerErrorInfo; cache: CacheEvent[] }
  | { kind: 'need'; key: string }
