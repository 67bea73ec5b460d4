import { threadId, workerData } from 'node:worker_threads'
import { createSession, ortVersion, type ExecutionProviderName, type ProviderRequest } from '../../infer/sessions'
import { OnnxGraph } from '../../onnx/graph'
import { CancelledError } from '../errors'
import { defineHandler } from '../protocol'

/**
 * Small handlers for health checks and tests. 'crash' exists only when the host started
 * the worker with testHooks (tests of the restart logic); otherwise it is refused.
 */

function testHooksEnabled(): boolean {
  return (workerData as { testHooks?: boolean } | null)?.testHooks === true
}

export const diagnosticsHandlers = {
  /** Round trip; the host's watchdog uses it to tell a hung worker from a busy one. */
  ping: defineHandler<{ echo?: string }, { echo?: string; threadId: number; pid: number }>((p) => ({ echo: p.echo, threadId, pid: process.pid })),

  /** Which provider sessions get here, and why: opens a one-node session on the requested provider. */
  'engine:probe': defineHandler<{ provider?: ProviderRequest }, { provider: ExecutionProviderName; reason: string; ortVersion: string }>(async (p) => {
    const g = new OnnxGraph('probe')
    g.input('x', 'float32', [1, 4])
    g.output(g.op1('Relu', ['x']), 'y', 'float32', [1, 4])
    const { session, provider, reason } = await createSession(g.toBytes(), { provider: p.provider })
    await session.release()
    return { provider, reason, ortVersion: ortVersion() }
  }),

  /** Wait `ms` reporting progress every `tickMs`; honours cancellation (exercises the protocol like a training run). */
  wait: defineHandler<{ ms: number; tickMs?: number }, { waited: number }, { elapsed: number }>(
    (p, ctx) =>
      new Promise((resolve, reject) => {
        const t0 = Date.now()
        const tick = setInterval(() => ctx.progress({ elapsed: Date.now() - t0 }), Math.max(5, p.tickMs ?? 50))
        const done = setTimeout(() => {
          clearInterval(tick)
          resolve({ waited: Date.now() - t0 })
        }, Math.min(p.ms, 60_000))
        ctx.signal.addEventListener('abort', () => {
          clearInterval(tick)
          clearTimeout(done)
          reject(new CancelledError())
        })
      })
  ),

  /** Test only: end the worker thread abruptly, as a native crash or an OOM would. */
  crash: defineHandler<{ how?: 'exit' | 'throw' }, never>((p) => {
    if (!testHooksEnabled()) throw new Error('"crash" is a test hook and is disabled in this worker.')
    if (p.how === 'throw') {
      // An exception outside any request: the thread's uncaught-exception path.
      setTimeout(() => {
        throw new Error('test crash')
      }, 0)
      return new Promise<never>(() => {})
    }
    process.exit(3)
  })
}
