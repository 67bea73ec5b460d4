import { EventEmitter } from 'node:events'
import { createServer } from 'node:net'
import ModbusRTU, { ServerTCP, type IServiceVector } from 'modbus-serial'
import { REGISTER_COUNT } from './plc-registers'

/**
 * Where the handshake's registers live, seen from one side: over the network (a Modbus TCP
 * client of the other side's server) or in this process (served to the other side by a
 * Modbus TCP server). The handshake and the simulator only use read/write, so both run
 * unchanged in either role.
 */
export interface RegisterBank {
  /** Holding registers [offset, offset + length) relative to the bank's base address. */
  read(offset: number, length: number): Promise<number[]>
  write(offset: number, values: number[]): Promise<void>
  /** Open the connection (client) or start listening (server); rejects when it cannot. */
  open(): Promise<void>
  /** Client: whether the connection is up. Server: whether a peer is connected. */
  connected(): boolean
  close(): Promise<void>
  /** For status lines: host:port and the role. */
  readonly endpoint: string
}

/** A read or write that failed because the link is down; the caller reconnects. */
export class PlcLinkError extends Error {
  constructor(endpoint: string, reason: string) {
    super(`Modbus link to ${endpoint} failed: ${reason}`)
    this.name = 'PlcLinkError'
  }
}

export interface ModbusClientOptions {
  host: string
  port: number
  unitId: number
  baseAddress: number
  /** Per request; a request without an answer in time counts as a lost link. */
  requestTimeoutMs: number
}

/** Registers on the other side, read and written over Modbus TCP (modbus-serial client). */
export class ModbusClientBank implements RegisterBank {
  private client: ModbusRTU | null = null
  readonly endpoint: string

  constructor(private readonly options: ModbusClientOptions) {
    this.endpoint = `${options.host}:${options.port}`
  }

  async open(): Promise<void> {
    await this.close()
    const client = new ModbusRTU()
    // A refused or silent host must fail within the request timeout, not the OS's minutes.
    await client.connectTCP(this.options.host, { port: this.options.port, timeout: this.options.requestTimeoutMs })
    client.setID(this.options.unitId)
    client.setTimeout(this.options.requestTimeoutMs)
    this.client = client
  }

  connected(): boolean {
    return this.client?.isOpen === true
  }

  async read(offset: number, length: number): Promise<number[]> {
    const client = this.live()
    try {
      const r = await client.readHoldingRegisters(this.options.baseAddress + offset, length)
      return r.data
    } catch (error) {
      throw this.lost(error)
    }
  }

  async write(offset: number, values: number[]): Promise<void> {
    const client = this.live()
    try {
      await client.writeRegisters(this.options.baseAddress + offset, values)
    } catch (error) {
      throw this.lost(error)
    }
  }

  async close(): Promise<void> {
    const c = this.client
    this.client = null
    if (!c) return
    if (!c.isOpen) return
    // modbus-serial calls back only when the socket was open; never wait on a dead one.
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 500)
      try {
        c.close(() => {
          clearTimeout(timer)
          resolve()
        })
      } catch {
        clearTimeout(timer)
        resolve()
      }
    })
  }

  private live(): ModbusRTU {
    if (!this.client?.isOpen) throw new PlcLinkError(this.endpoint, 'not connected')
    return this.client
  }

  private lost(error: unknown): PlcLinkError {
    const message = error instanceof Error ? error.message : String((error as { message?: unknown })?.message ?? error)
    return new PlcLinkError(this.endpoint, message)
  }
}

/** Registers held in this process. */
export class LocalRegisters extends EventEmitter {
  readonly words: Uint16Array

  constructor(count = REGISTER_COUNT) {
    super()
    this.words = new Uint16Array(count)
  }

  read(offset: number, length: number): number[] {
    this.check(offset, length)
    return Array.from(this.words.subarray(offset, offset + length))
  }

  write(offset: number, values: number[]): void {
    this.check(offset, values.length)
    this.words.set(values, offset)
    this.emit('write', offset, values.length)
  }

  private check(offset: number, length: number): void {
    if (!Number.isInteger(offset) || offset < 0 || length < 1 || offset + length > this.words.length) {
      // Modbus exception 2 (illegal data address) for a peer asking outside the map.
      throw Object.assign(new Error(`registers ${offset}..${offset + length - 1} are outside the map (0..${this.words.length - 1})`), { modbusErrorCode: 2 })
    }
  }
}

export interface ModbusServerOptions {
  host: string
  port: number
  unitId: number
  baseAddress: number
}

/**
 * Registers held here and served to the other side as a Modbus TCP server (modbus-serial
 * ServerTCP). Local reads and writes never fail; the peer's requests arrive as it sends them.
 */
export class ModbusServerBank implements RegisterBank {
  readonly registers = new LocalRegisters()
  private server: ServerTCP | null = null
  private boundPort = 0

  constructor(private readonly options: ModbusServerOptions) {}

  get endpoint(): string {
    return `${this.options.host}:${this.boundPort || this.options.port}`
  }

  /** The port listened on (useful with port 0 in tests). */
  port(): number {
    return this.boundPort
  }

  async open(): Promise<void> {
    if (this.server) return
    const base = this.options.baseAddress
    const regs = this.registers
    const vector: IServiceVector = {
      getHoldingRegister: (addr: number) => regs.read(addr - base, 1)[0]!,
      getMultipleHoldingRegisters: (addr: number, length: number) => regs.read(addr - base, length),
      setRegister: (addr: number, value: number) => regs.write(addr - base, [value]),
      setRegisterArray: (addr: number, values: number[]) => regs.write(addr - base, values)
    }
    // ServerTCP reads port 0 as "502": ask the OS for a free port first when 0 is asked for.
    const port = this.options.port === 0 ? await freePort(this.options.host) : this.options.port
    const server = new ServerTCP(vector, { host: this.options.host, port, unitID: this.options.unitId || 255 })
    await new Promise<void>((resolve, reject) => {
      server.once('initialized', () => resolve())
      server.once('serverError', (error: Error) => reject(error))
    })
    server.on('serverError', () => undefined)
    server.on('socketError', () => undefined)
    this.boundPort = port
    this.server = server
  }

  connected(): boolean {
    return (this.server?.socks.size ?? 0) > 0
  }

  async read(offset: number, length: number): Promise<number[]> {
    return this.registers.read(offset, length)
  }

  async write(offset: number, values: number[]): Promise<void> {
    this.registers.write(offset, values)
  }

  /** Cut every peer connection (tests, and a PLC that must reconnect). */
  dropPeers(): void {
    for (const sock of this.server?.socks.keys() ?? []) sock.destroy()
  }

  async close(): Promise<void> {
    const s = this.server
    this.server = null
    if (!s) return
    await new Promise<void>((resolve) => s.close(() => resolve()))
  }
}

function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once('error', reject)
    probe.listen(0, host, () => {
      const address = probe.address()
      const port = typeof address === 'object' && address ? address.port : 0
      probe.close(() => resolve(port))
    })
  })
}
