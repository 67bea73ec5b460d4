import type { Worker } from 'node:worker_threads'
import { decodeSlotsForWorker } from '../../imaging/decode-slots'
import { resolveWorkerEntry, startWorker } from '../worker-entry'
import type { RenderItem, RenderOptions } from './batch-render'
import type { BatchWorkerData, BatchWorkerErrorInfo, BatchWorkerToHost, HostToBatchWorker } from './batch-worker-protocol'
import { ImageDecodeForTrainingError } from './training-decode'

/**
 * The trainer's side of its batch worker (batch-worker.ts): posts a batch's samples (with
 * the bytes of those the worker does not hold decoded) and gets the rendered pixels back,
 * transferred, not copied. The worker thread is unreferenced, so a loader that is never
 * closed does not keep the process alive.
 */

/** The worker is gone: failed to start or crashed (BatchLoader renders inline from then on), or closed (the batch fails). */
export class BatchWorkerStoppedError extends Error {
  constructor(reason: string) {
    super(`The batch worker stopped (${reason}).`)
    this.name = 'BatchWorkerStoppedError'
  }
}

interface Pending {
  resolve: (images: Float32Array) => void
  reject: (error: Error) => void
  items: RenderItem[]
}

export class BatchWorkerClient {
  private readonly worker: Worker
  private readonly pending = new Map<number, Pending>()
  /** Sample keys the worker has reported decoded and kept (its cache, as of its last reply). */
  private readonly cached = new Set<string>()
  private nextId = 1
  private stopped: string | null = null
  private readonly exited: Promise<void>

  constructor(options: RenderOptions) {
    const slots = decodeSlotsForWorker()
    const workerData: BatchWorkerData = { options, decodeSlots: slots.share }
    // A small young generation: the worker's own objects are few and small (the pixels are
    // typed arrays outside the heap), and V8's default semi-spaces would add ~16 MB of RSS.
    const worker = startWorker(resolveWorkerEntry('batch-worker', 'train/batch-worker.ts'), { workerData, resourceLimits: { maxYoungGenerationSizeMb: 2 } })
    worker.unref()
    this.worker = worker
    worker.on('message', (m: BatchWorkerToHost) => this.onMessage(m))
    let lastError: Error | undefined
    worker.on('error', (error) => {
      lastError = error
    })
    this.exited = new Promise((resolve) => {
      worker.on('exit', (code) => {
        slots.dispose()
        this.stop(lastError ? `error: ${lastError.message.split('\n')[0]}` : `exit code ${code}`)
        resolve()
      })
    })
  }

  /**
   * Post one batch; resolves once it is posted (its bytes read), with the rendered pixels
   * still to come. Rejects with BatchWorkerStoppedError when the worker is gone.
   */
  async post(epoch: number, items: RenderItem[]): Promise<{ images: Promise<Float32Array> }> {
    const bytes = await Promise.all(items.map((item) => (this.cached.has(item.key) ? undefined : item.load())))
    if (this.stopped) throw new BatchWorkerStoppedError(this.stopped)
    const id = this.nextId++
    const images = new Promise<Float32Array>((resolve, reject) => this.pending.set(id, { resolve, reject, items }))
    const message: HostToBatchWorker = { kind: 'render', id, epoch, items: items.map((item, b) => ({ key: item.key, draw: item.draw, bytes: bytes[b] })) }
    this.worker.postMessage(message)
    return { images }
  }

  /** Stop the worker; batches still being rendered fail with BatchWorkerStoppedError. */
  async close(): Promise<void> {
    if (!this.stopped) this.stop('closed')
    await this.worker.terminate()
    await this.exited
  }

  private onMessage(m: BatchWorkerToHost): void {
    if (m.kind === 'need') {
      void this.sendBytes(m.key)
      return
    }
    for (const [key, kept] of m.cache) {
      if (kept) this.cached.add(key)
      else this.cached.delete(key)
    }
    const p = this.pending.get(m.id)
    if (!p) return
    this.pending.delete(m.id)
    if (m.kind === 'rendered') p.resolve(m.images)
    else p.reject(hostError(m.error))
  }

  /** The worker needs a sample's bytes after all (its decode was evicted meanwhile). */
  private async sendBytes(key: string): Promise<void> {
    this.cached.delete(key)
    let item: RenderItem | undefined
    for (const p of this.pending.values()) item ??= p.items.find((i) => i.key === key)
    let reply: HostToBatchWorker
    try {
      if (!item) throw new Error(`no batch in flight holds image ${key.slice(0, 12)}`)
      reply = { kind: 'bytes', key, bytes: await item.load() }
    } catch (error) {
      reply = { kind: 'bytes', key, error: (error as Error).message }
    }
    if (!this.stopped) this.worker.postMessage(reply)
  }

  private stop(reason: string): void {
    if (this.stopped) return
    this.stopped = reason
    for (const p of this.pending.values()) p.reject(new BatchWorkerStoppedError(reason))
    this.pending.clear()
  }
}

/** The worker's error as the host raises it: a decode error keeps its class (services map it to a message). */
function hostError(info: BatchWorkerErrorInfo): Error {
  if (info.name === 'ImageDecodeForTrainingError' && info.key !== undefined && info.reason !== undefined) return new ImageDecodeForTrainingError(info.key, info.reason)
  const error = new Error(info.message)
  error.name = info.name
  return error
}
