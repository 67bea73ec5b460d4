import { isMainThread, workerData } from 'node:worker_threads'

/**
 * One process-wide limit on sharp calls running at once, shared by the main thread and
 * every worker thread (the engine and inspection workers).
 *
 * Why: each sharp call occupies one thread of libuv's pool until it finishes, and that
 * pool (4 threads unless UV_THREADPOOL_SIZE is set before the process starts) is one per
 * process: worker threads share it with the main thread. A training batch or an
 * evaluation chunk starts 16–32 decodes at once; without a limit they fill the pool and
 * every fs call of the main process (opening a project, listing recent projects) queues
 * behind all of them, for seconds. With at least one pool thread never decoding, an fs call
 * finds a free thread. Raising UV_THREADPOOL_SIZE from JavaScript is not a fix: Node does
 * not guarantee it takes effect once the runtime has started (nodejs/node#55832), so the
 * limit is computed from the value the process was started with.
 *
 * Shared memory, Int32Array view:
 *   [0] slots in use (all threads), [1] the limit,
 *   [2 + h] slots held by holder h (0 = the main thread, 1.. = a worker thread), so that
 *   the slots of a worker that dies while decoding are given back by its host,
 *   [2 + 1 + MAX_WORKERS + h] 1 while holder id h is handed out: claimed in the shared
 *   memory, so a worker that starts a worker of its own (the engine worker starts the
 *   trainer's batch worker, engine/train/batch-worker.ts) never hands out an id in use.
 */

const IN_USE = 0
const LIMIT = 1
const HOLDERS_AT = 2
/** Holder ids 1..MAX_WORKERS are handed to worker threads; more workers share a private limit. */
const MAX_WORKERS = 62
const CLAIMED_AT = HOLDERS_AT + 1 + MAX_WORKERS
/** A waiter re-checks at least this often (a safety net; release always notifies). */
const RECHECK_MS = 500

// Atomics.waitAsync is in Node 20's V8 but in TypeScript's lib only from es2024.
type WaitAsync = (view: Int32Array, index: number, value: number, timeoutMs: number) => { async: false; value: string } | { async: true; value: Promise<string> }
const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync

/** The libuv pool size this process was started with (the variable is read at start only). */
export function startupThreadPoolSize(env: NodeJS.ProcessEnv = process.env): number {
  const n = Number.parseInt(env.UV_THREADPOOL_SIZE ?? '', 10)
  return Number.isFinite(n) && n >= 1 ? Math.min(n, 1024) : 4
}

/**
 * A quarter of the pool (at least one thread) is kept free of decodes for everything else.
 * Not fewer decodes than that: one JPEG decode keeps about one core busy and a call has
 * serial phases, so on 2 cores 48 camera-size decodes took 1283 ms two at a time and 706 ms
 * four at a time (docs/decisions.md, Decode slots).
 */
export function decodeSlotLimit(poolSize: number): number {
  return Math.max(1, poolSize - Math.max(1, Math.floor(poolSize / 4)))
}

interface SlotsShare {
  buffer: SharedArrayBuffer
  holder: number
}

function isShare(v: unknown): v is SlotsShare {
  return typeof v === 'object' && v !== null && (v as SlotsShare).buffer instanceof SharedArrayBuffer && Number.isInteger((v as SlotsShare).holder)
}

function newSlots(limit: number): Int32Array {
  const slots = new Int32Array(new SharedArrayBuffer(4 * (CLAIMED_AT + 1 + MAX_WORKERS)))
  slots[LIMIT] = limit
  return slots
}

// A worker adopts the share its host passed (WorkerHost puts it in workerData.decodeSlots);
// the main thread, or a worker started some other way, owns a fresh one.
const adopted = !isMainThread ? (workerData as { decodeSlots?: unknown } | null)?.decodeSlots : undefined
const slots: Int32Array = isShare(adopted) ? new Int32Array(adopted.buffer) : newSlots(decodeSlotLimit(startupThreadPoolSize()))
const holder = isShare(adopted) ? adopted.holder : 0
const workersHolding = new Set<number>()

/** Run `work` (one sharp call) when a slot is free; the slot is given back however it ends. */
export async function withDecodeSlot<T>(work: () => Promise<T>): Promise<T> {
  await acquire()
  try {
    return await work()
  } finally {
    release()
  }
}

async function acquire(): Promise<void> {
  for (;;) {
    const inUse = Atomics.load(slots, IN_USE)
    if (inUse < Atomics.load(slots, LIMIT)) {
      if (Atomics.compareExchange(slots, IN_USE, inUse, inUse + 1) === inUse) {
        Atomics.add(slots, HOLDERS_AT + holder, 1)
        return
      }
      continue
    }
    // Sleeps only while the count is still `inUse`: a release in between is never missed.
    const waited = waitAsync(slots, IN_USE, inUse, RECHECK_MS)
    if (waited.async) await waited.value
  }
}

function release(): void {
  Atomics.sub(slots, HOLDERS_AT + holder, 1)
  Atomics.sub(slots, IN_USE, 1)
  Atomics.notify(slots, IN_USE, 1)
}

/** What a new worker thread needs in its workerData to share this process's limit (null: none left). */
export function decodeSlotsForWorker(): { share: SlotsShare | null; dispose: () => void } {
  for (let h = 1; h <= MAX_WORKERS; h++) {
    if (Atomics.compareExchange(slots, CLAIMED_AT + h, 0, 1) !== 0) continue
    workersHolding.add(h)
    Atomics.store(slots, HOLDERS_AT + h, 0)
    return { share: { buffer: slots.buffer as SharedArrayBuffer, holder: h }, dispose: () => releaseWorker(h) }
  }
  return { share: null, dispose: () => undefined }
}

/** The worker has exited: whatever it still held (it died mid-decode) is free again. */
function releaseWorker(h: number): void {
  if (!workersHolding.delete(h)) return
  const held = Atomics.exchange(slots, HOLDERS_AT + h, 0)
  if (held > 0) {
    Atomics.sub(slots, IN_USE, held)
    Atomics.notify(slots, IN_USE)
  }
  Atomics.store(slots, CLAIMED_AT + h, 0)
}

/** The limit and how many slots are in use now (tests, diagnostics). */
export function decodeSlotsState(): { limit: number; inUse: number } {
  return { limit: Atomics.load(slots, LIMIT), inUse: Atomics.load(slots, IN_USE) }
}
