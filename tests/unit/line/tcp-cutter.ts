import { createServer, connect, type Server, type Socket } from 'node:net'

/**
 * A TCP pass-through on 127.0.0.1 whose connections a test can cut at a chosen moment: a
 * dropped cable between the app and the PLC, with both programs still running.
 */
export class TcpCutter {
  private server: Server | null = null
  private readonly sockets = new Set<Socket>()
  port = 0
  cuts = 0
  /** While true, every new connection is closed at once: the cable stays unplugged. */
  unplugged = false

  constructor(private readonly target: { host: string; port: number }) {}

  async start(): Promise<number> {
    const server = createServer((client) => {
      if (this.unplugged) {
        client.destroy()
        return
      }
      const upstream = connect(this.target.port, this.target.host)
      this.sockets.add(client).add(upstream)
      const drop = (): void => {
        client.destroy()
        upstream.destroy()
        this.sockets.delete(client)
        this.sockets.delete(upstream)
      }
      client.on('error', drop).on('close', drop)
      upstream.on('error', drop).on('close', drop)
      client.pipe(upstream)
      upstream.pipe(client)
    })
    this.server = server
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    this.port = (server.address() as { port: number }).port
    return this.port
  }

  /** Destroy every open connection (new ones are accepted again at once). */
  cut(): void {
    this.cuts++
    for (const s of this.sockets) s.destroy()
    this.sockets.clear()
  }

  async stop(): Promise<void> {
    this.cut()
    const s = this.server
    this.server = null
    await new Promise<void>((resolve) => (s ? s.close(() => resolve()) : resolve()))
  }
}
