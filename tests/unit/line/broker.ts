import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { connect, createServer, type Server, type Socket } from 'node:net'
import { tmpdir, userInfo } from 'node:os'
import { join } from 'node:path'

/**
 * A real MQTT broker for one test on 127.0.0.1: Debian's mosquitto (installed by .ci/run),
 * or, where it is absent, an in-process aedes broker. `restart()` takes the broker away and
 * brings it back on the same port. Mosquitto runs with persistence so a persistent
 * subscriber's session and queued QoS 1 messages survive its restart, as on a real line; the
 * aedes fallback keeps its (in-memory) sessions and only closes and reopens its listener.
 */
export interface TestBroker {
  readonly kind: 'mosquitto' | 'aedes'
  readonly port: number
  readonly url: string
  stop(): Promise<void>
  start(): Promise<void>
  restart(): Promise<void>
  close(): Promise<void>
}

export const MOSQUITTO = process.env.MOSQUITTO_BIN ?? '/usr/sbin/mosquitto'

export async function startBroker(opts: { forceAedes?: boolean } = {}): Promise<TestBroker> {
  const port = await freePort()
  const broker = !opts.forceAedes && existsSync(MOSQUITTO) ? await MosquittoBroker.create(port) : await AedesBroker.create(port)
  await broker.start()
  return broker
}

class MosquittoBroker implements TestBroker {
  readonly kind = 'mosquitto' as const
  private child: ChildProcess | null = null
  log = ''

  private constructor(readonly port: number, private readonly dir: string) {}

  static async create(port: number): Promise<MosquittoBroker> {
    const dir = await mkdtemp(join(tmpdir(), 'ds-mosquitto-'))
    await writeFile(
      join(dir, 'mosquitto.conf'),
      // Started as root, mosquitto would switch to user "mosquitto", who cannot write our temp folder.
      [`listener ${port} 127.0.0.1`, `user ${userInfo().username}`, 'allow_anonymous true', 'persistence true', `persistence_location ${dir}/`, 'autosave_interval 1', 'log_dest stderr', ''].join('\n')
    )
    return new MosquittoBroker(port, dir)
  }

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`
  }

  async start(): Promise<void> {
    if (this.child) return
    const child = spawn(MOSQUITTO, ['-c', join(this.dir, 'mosquitto.conf')], { stdio: ['ignore', 'ignore', 'pipe'] })
    child.stderr?.on('data', (d: Buffer) => (this.log = (this.log + d.toString()).slice(-4000)))
    this.child = child
    await waitForPort(this.port, () => child.exitCode !== null, () => this.log)
  }

  async stop(): Promise<void> {
    const c = this.child
    this.child = null
    if (!c || c.exitCode !== null) return
    const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()))
    c.kill('SIGTERM')
    await exited
  }

  async restart(): Promise<void> {
    await this.stop()
    await this.start()
  }

  async close(): Promise<void> {
    await this.stop()
    await rm(this.dir, { recursive: true, force: true })
  }
}

class AedesBroker implements TestBroker {
  readonly kind = 'aedes' as const
  private server: Server | null = null
  private readonly sockets = new Set<Socket>()

  private constructor(readonly port: number, private readonly broker: { handle: (s: Socket) => unknown; close: (cb?: () => void) => void }) {}

  static async create(port: number): Promise<AedesBroker> {
    const { Aedes } = await import('aedes')
    const broker = await Aedes.createBroker()
    return new AedesBroker(port, broker as never)
  }

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`
  }

  async start(): Promise<void> {
    if (this.server) return
    const server = createServer((socket) => {
      this.sockets.add(socket)
      socket.on('close', () => this.sockets.delete(socket))
      this.broker.handle(socket)
    })
    this.server = server
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve))
  }

  async stop(): Promise<void> {
    const s = this.server
    this.server = null
    if (!s) return
    for (const socket of this.sockets) socket.destroy()
    await new Promise<void>((resolve) => s.close(() => resolve()))
  }

  async restart(): Promise<void> {
    await this.stop()
    await this.start()
  }

  async close(): Promise<void> {
    await this.stop()
    await new Promise<void>((resolve) => this.broker.close(() => resolve()))
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const port = (probe.address() as { port: number }).port
      probe.close(() => resolve(port))
    })
  })
}

async function waitForPort(port: number, died: () => boolean, log: () => string): Promise<void> {
  const end = Date.now() + 10_000
  for (;;) {
    if (died()) throw new Error(`mosquitto exited: ${log()}`)
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1')
      s.once('connect', () => {
        s.destroy()
        resolve(true)
      })
      s.once('error', () => resolve(false))
    })
    if (ok) return
    if (Date.now() > end) throw new Error(`the broker did not listen on ${port} within 10 s: ${log()}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}
