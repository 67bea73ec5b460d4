import { createHash } from 'node:crypto'
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { channels } from '../../../shared/contract/index'
import { startBrowserServer, type RunningServer } from '../../../electron/server/browser-server'
import { createAppServices, type AppServices } from '../../../electron/services/app-services'
import { importImages } from '../../../electron/services/import-service'
import { createProject, openProject } from '../../../electron/store/project-store'
import { generateSyntheticSet, mulberry32 } from '../../support/synthetic-defects'
import { connectionOf } from '../../support/store-connection'

/**
 * Issue 12 item 9: a standing fuzz test. Random and hostile messages for every contract
 * channel go to browser mode over a loopback WebSocket (seeded, bounded in count and time),
 * with hostile file paths in every path field. Every reply must be a typed result, the
 * server must keep answering, nothing outside the allowed folders may change, and the
 * project must pass its integrity check with every stored image intact afterwards.
 */
const SEED = Number(process.env.FUZZ_SEED ?? 12)
const PER_CHANNEL = 24
const CALL_TIMEOUT_MS = 15_000
const ERROR_CODES = new Set(['unknown-channel', 'invalid-payload', 'untrusted-sender', 'not-found', 'conflict', 'failed', 'cancelled', 'no-project'])
const PATH_KEYS = /path|folder|file|dir|images|weights/i
// Channels whose valid calls start long jobs, downloads or engine workers (the demo project
// imports parts and starts training): only payloads
// that cannot validate, or hostile paths refused before any work, are sent to them.
const HEAVY = /^(training:|anomaly:|engine:(predict|weights-download)|inspection:(start|frame)|models:|projects:create-demo)/

let dir: string
let outside: string
let project: string
let services: AppServices
let running: RunningServer
let outsideBefore: Map<string, string>

function snapshot(root: string): Map<string, string> {
  const out = new Map<string, string>()
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name)
      const info = statSync(p, { throwIfNoEntry: false })
      if (!info) continue
      if (info.isDirectory()) walk(p)
      else out.set(p, info.isFile() ? createHash('sha256').update(readFileSync(p)).digest('hex') : 'special')
    }
  }
  walk(root)
  return out
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ds-fuzz-'))
  outside = join(dir, 'outside')
  mkdirSync(outside)
  writeFileSync(join(outside, 'secret.txt'), 'root:x:0:0:do-not-touch\n')
  writeFileSync(join(outside, 'w.safetensors'), Buffer.from('not weights at all'))
  execFileSync('mkfifo', [join(outside, 'pipe.png')])
  await generateSyntheticSet({ root: join(outside, 'photos'), seed: 3, counts: { ok: 2, scratch: 2 }, width: 32, height: 32 })
  const data = join(dir, 'data')
  mkdirSync(join(data, 'projects'), { recursive: true })
  process.env.DEFECT_STUDIO_DATA_DIR = data
  project = join(data, 'projects', 'fuzz.dsproj')
  await generateSyntheticSet({ root: join(dir, 'seed'), seed: 4, counts: { ok: 4, scratch: 3 }, width: 32, height: 32 })
  const store = createProject(project)
  await importImages(store, { kind: 'folder', folder: join(dir, 'seed') })
  store.close()
  symlinkSync(outside, join(data, 'projects', 'escape'))
  outsideBefore = snapshot(outside)
  services = await createAppServices({ mode: 'browser', startEngine: false, projectFile: project })
  running = await startBrowserServer({ services, port: 0, host: '127.0.0.1', token: null, rendererDir: dir, maxMessageBytes: 256 * 1024 })
})

afterAll(async () => {
  await running?.close()
  await services?.close()
})

function hostilePaths(): string[] {
  return [
    '/etc/passwd',
    '/dev/zero',
    '/dev/random',
    '/proc/self/mem',
    join(outside, 'secret.txt'),
    join(outside, 'pipe.png'),
    join(outside, 'photos'),
    join(outside, 'w.safetensors'),
    join(outside, 'new-file.dsproj'),
    join(dir, 'data', 'projects', 'escape', 'secret.txt'),
    join(dir, 'data', 'projects', 'escape'),
    `${dir}/data/projects/../../outside/secret.txt`,
    `${project}`,
    `${dir}/data/projects/./fuzz.dsproj`,
    `${project}-wal`,
    '../../../../etc/shadow',
    'relative/path.png',
    '',
    '\u0000',
    `/tmp/${'a'.repeat(5000)}`,
    `/${'x/'.repeat(2000)}`,
    'C:\\Windows\\system.ini',
    '\\\\server\\share\\x.png',
    'file:///etc/passwd',
    '~/.ssh/id_rsa'
  ]
}

function randomValue(rng: () => number, depth = 0): unknown {
  const pick = Math.floor(rng() * 14)
  switch (pick) {
    case 0:
      return null
    case 1:
      return rng() < 0.5
    case 2:
      return [0, -1, 1, 2 ** 31, -(2 ** 53), 1e308, -1e-308, 0.5, 3][Math.floor(rng() * 9)]
    case 3:
      return Math.floor(rng() * 20) + 1
    case 4:
      return ''
    case 5:
      return 'x'.repeat(Math.floor(rng() * 300))
    case 6:
      return ['^(a+)+$', '<script>alert(1)</script>', '%00', '\u202e\u0000\uffff', '🔩'.repeat(50), '__proto__', 'constructor', "'; DROP TABLE images; --"][Math.floor(rng() * 8)]
    case 7:
      return hostilePaths()[Math.floor(rng() * hostilePaths().length)]
    case 8:
      return depth > 3 ? [] : Array.from({ length: Math.floor(rng() * 4) }, () => randomValue(rng, depth + 1))
    case 9:
      return depth > 3 ? {} : Object.fromEntries(Array.from({ length: Math.floor(rng() * 4) }, (_, i) => [`k${i}`, randomValue(rng, depth + 1)]))
    case 10:
      return JSON.parse('{"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}}')
    case 11:
      return Array.from({ length: 50 }, (_, i) => i + 1)
    case 12:
      return { x: 0, y: 0, width: -5, height: 1e9 }
    default:
      return 'a'.repeat(70_000)
  }
}

/** A payload for `channel`: its own keys with random or hostile values (paths for path-like keys). */
function payloadFor(channel: string, rng: () => number): unknown {
  const schema = (channels as Record<string, { payload: { shape?: Record<string, unknown> } }>)[channel]!.payload
  const keys = Object.keys(schema.shape ?? {})
  if (rng() < 0.15) return randomValue(rng)
  const payload: Record<string, unknown> = {}
  for (const key of keys) {
    if (rng() < 0.2) continue
    if (PATH_KEYS.test(key)) {
      const paths = hostilePaths()
      const path = paths[Math.floor(rng() * paths.length)]
      payload[key] = /paths|images/.test(key) ? [path, paths[Math.floor(rng() * paths.length)]] : path
    } else payload[key] = randomValue(rng)
  }
  if (rng() < 0.1) payload.unexpected = randomValue(rng)
  return payload
}

/** Would this payload pass the channel's schema with no hostile path in it? Then a heavy channel must not get it. */
function wouldRunWork(channel: string, payload: unknown): boolean {
  const parsed = (channels as Record<string, { payload: { safeParse(v: unknown): { success: boolean } } }>)[channel]!.payload.safeParse(payload ?? {})
  if (!parsed.success) return false
  const text = JSON.stringify(payload ?? {})
  return !hostilePaths().some((p) => p && p.length > 2 && text.includes(JSON.stringify(p).slice(1, -1)))
}

/** One socket; calls are sequential, so the next reply (whatever its id) answers the call. */
function connect(): Promise<{ call: (message: string) => Promise<any>; close: () => void; closed: () => boolean }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${running.port}/api`)
    let waiting: ((value: any) => void) | null = null
    let isClosed = false
    ws.on('message', (data) => {
      const m = JSON.parse(String(data)) as { event?: string }
      if (m.event) return
      const next = waiting
      waiting = null
      next?.(m)
    })
    ws.on('close', () => {
      isClosed = true
      waiting?.({ closed: true })
      waiting = null
    })
    ws.on('error', () => undefined)
    ws.on('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)))
    ws.on('open', () =>
      resolve({
        call: (message: string) =>
          new Promise((done, fail) => {
            const timer = setTimeout(() => fail(new Error(`no reply within ${CALL_TIMEOUT_MS} ms to ${message.slice(0, 200)}`)), CALL_TIMEOUT_MS)
            waiting = (v: any) => {
              clearTimeout(timer)
              done(v)
            }
            ws.send(message)
          }),
        close: () => ws.close(),
        closed: () => isClosed
      })
    )
  })
}

function checkReply(reply: any, context: string): void {
  if (reply.closed) return // the server may close a socket that sent an oversized frame
  expect(reply, context).toHaveProperty('result')
  const result = reply.result
  if (result.ok) return
  expect(ERROR_CODES.has(result.error?.code), `${context}: code ${result.error?.code}`).toBe(true)
  expect(typeof result.error.message, context).toBe('string')
  // No stack traces and no file content in any error.
  expect(result.error.message, context).not.toMatch(/\n\s+at |root:x:0:0|do-not-touch/)
}

describe('fuzz: every contract channel over browser mode', () => {
  it(`${PER_CHANNEL} random and hostile payloads per channel, then raw garbage; typed replies, nothing outside touched, project intact`, async () => {
    const started = Date.now()
    const rng = mulberry32(SEED)
    let client = await connect()
    let id = 0
    let sent = 0
    const names = Object.keys(channels).sort()
    for (const channel of names) {
      for (let i = 0; i < PER_CHANNEL; i++) {
        const payload = payloadFor(channel, rng)
        if (HEAVY.test(channel) && wouldRunWork(channel, payload)) continue
        id += 1
        const message = JSON.stringify({ id, channel, payload })
        if (client.closed()) client = await connect()
        const reply = await client.call(message)
        sent += 1
        checkReply(reply, `${channel} ${message.slice(0, 300)}`)
      }
    }
    // Transport-level garbage: not JSON, wrong shapes, huge ids, unknown channels, prototype keys.
    const garbage = ['not json', '{', '[]', 'null', '42', '{"id":-1,"channel":"app:ping"}', '{"id":1.5,"channel":"app:ping"}', `{"id":${Number.MAX_SAFE_INTEGER},"channel":"nope:nope"}`, '{"id":7,"channel":"__proto__","payload":{}}', '{"id":8,"channel":"constructor"}', `{"id":9,"channel":"${'x'.repeat(300)}"}`, '{"id":10,"channel":"app:ping","payload":{"echo":"x","__proto__":{"a":1}}}']
    for (const message of garbage) {
      if (client.closed()) client = await connect()
      checkReply(await client.call(message), message)
    }
    // An oversized frame closes that socket only; the server keeps serving others.
    const big = await connect()
    void big.call(JSON.stringify({ id: 1, channel: 'app:ping', payload: { echo: 'x'.repeat(300_000) } })).catch(() => undefined)
    await expect.poll(() => big.closed(), { timeout: 5000 }).toBe(true)

    if (client.closed()) client = await connect()
    const ping = await client.call(JSON.stringify({ id: ++id, channel: 'app:ping', payload: { echo: 'still here' } }))
    expect(ping.result).toEqual({ ok: true, value: { echo: 'still here' } })
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    client.close()
    expect(sent).toBeGreaterThan(names.length * 5)
    expect(Date.now() - started).toBeLessThan(60_000)

    // Nothing outside the allowed folders changed or appeared.
    expect(snapshot(outside)).toEqual(outsideBefore)
    await running.close()
    await services.close()
    const store = openProject(project)
    try {
      expect(store.integrityCheck()).toBe('ok')
      expect(connectionOf(store).pragma('foreign_key_check')).toEqual([])
      // Random ids may legitimately delete or relabel images; what remains must be whole.
      const images = store.images.list({}, { offset: 0, limit: 1000 }).items
      expect(images.length).toBeLessThanOrEqual(7)
      for (const image of images) {
        const { bytes } = store.images.bytes(image.id)
        expect(createHash('sha256').update(bytes).digest('hex')).toBe(store.images.get(image.id).sha256)
      }
    } finally {
      store.close()
    }
  })
})
