import { parentPort, workerData } from 'node:worker_threads'
import { BatchRenderer } from './batch-render'
import type { BatchWorkerData, BatchWorkerToHost, CacheEvent, HostToBatchWorker } from './batch-worker-protocol'
import { ImageDecodeForTrainingError } from './training-decode'

/**
 * Entry of the trainer's batch worker thread (built as out/main/batch-worker.js; started by
 * batch-worker-client.ts). onnxruntime's `run()` holds the trainer's thread for the whole
 * step, so a batch assembled there waits for the step to end; here the next batch is decoded
 * and augmented while the step runs (electron/engine/train/README.md, "Session 9").
 */

const port = parentPort
if (!port) throw new Error('batch-worker.ts runs as a worker thread (batch-worker-client.ts starts it)')
const { options } = workerData as BatchWorkerData
const cacheEvents: CacheEvent[] = []
const renderer = new BatchRenderer(options, (key, kept) => cacheEvents.push([key, kept]))
/** Bytes asked of the host, by sample key. */
const asked = new Map<string, { resolve: (bytes: Uint8Array) => void; reject: (error: Error) => void }[]>()

const post = (m: BatchWorkerToHost, transfer: ArrayBuffer[] = []): void => port.postMessage(m, transfer)

function askHost(key: string): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const waiters = asked.get(key)
    if (waiters) waiters.push({ resolve, reject })
    else {
      asked.set(key, [{ resolve, reject }])
      post({ kind: 'need', key })
    }
  })
}

async function render(m: Extract<HostToBatchWorker, { kind: 'render' }>): Promise<void> {
  try {
    const items = m.items.map(({ key, draw, bytes }) => ({ key, draw, load: () => (bytes ? Promise.resolve(bytes) : askHost(key)) }))
    const images = await renderer.render(m.epoch, items)
    post({ kind: 'rendered', id: m.id, images, cache: cacheEvents.splice(0) }, [images.buffer as ArrayBuffer])
  } catch (caught) {
    const error = caught instanceof Error ? caught : new Error(String(caught))
    const decode = error instanceof ImageDecodeForTrainingError ? { key: error.key, reason: error.reason } : {}
    post({ kind: 'failed', id: m.id, error: { name: error.name, message: error.message, ...decode }, cache: cacheEvents.splice(0) })
  }
}

port.on('message', (m: HostToBatchWorker) => {
  if (m.kind === 'render') {
    void render(m)
    return
  }
  const waiters = asked.get(m.key) ?? []
  asked.delete(m.key)
  for (const w of waiters) {
    if (m.bytes) w.resolve(m.bytes)
    else w.reject(new Error(m.error ?? `the bytes of image ${m.key.slice(0, 12)} could not be read`))
  }
})
