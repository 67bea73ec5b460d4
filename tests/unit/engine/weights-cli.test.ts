import { readFileSync } from 'node:fs'
import { mkdtemp } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { runCliCaptured as cli } from '../../support/cli-harness'

const reduced = join(__dirname, '../../fixtures/torch/resnet18-w0125-c3.safetensors')
let server: Server
let url: string

beforeAll(async () => {
  const body = readFileSync(reduced)
  server = createServer((_req, res) => {
    res.writeHead(200, { 'content-length': body.length })
    res.end(body)
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/model.safetensors`
})
afterAll(() => new Promise<void>((r) => server.close(() => r())))
beforeEach(async () => {
  process.env.DEFECT_STUDIO_DATA_DIR = await mkdtemp(join(tmpdir(), 'ds-wcli-'))
})

describe('defect-studio weights', () => {
  it('status: random initialisation with a warning when nothing is installed', async () => {
    const { code, out } = await cli(['weights', 'status', '--json'])
    expect(code).toBe(0)
    const s = JSON.parse(out[0]!)
    expect(s.resolved.source).toBe('random')
    expect(s.resolved.warning).toMatch(/accuracy will be lower/)
    const text = await cli(['weights', 'status'])
    expect(text.out.join('\n')).toMatch(/Warning: .*accuracy will be lower/)
  })

  it('download (from a loopback URL) with progress on stderr, then status shows it', async () => {
    const { code, out, err } = await cli(['weights', 'download', '--url', url])
    expect(code).toBe(0)
    expect(out.join('\n')).toMatch(/SHA-256: [0-9a-f]{64}/)
    expect(err.some((l) => /100%/.test(l))).toBe(true)
    const s = JSON.parse((await cli(['weights', 'status', '--json'])).out[0]!)
    expect(s.resolved.source).toBe('imagenet')
    expect(s.records.imagenet.origin).toBe(url)
  })

  it('import refuses a reduced-width file with a clear message; bad actions are usage errors', async () => {
    const r = await cli(['weights', 'import', reduced, '--json'])
    expect(r.code).toBe(1)
    expect(JSON.parse(r.out[0]!).error).toMatch(/reduced-width ResNet18/)
    expect((await cli(['weights', 'fetch'])).code).toBe(2)
    expect((await cli(['weights', 'import'])).code).toBe(2)
    expect((await cli(['weights'])).code).toBe(2)
  })
})
