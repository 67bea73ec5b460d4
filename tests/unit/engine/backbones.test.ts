import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import {
  BackboneDownloadError,
  backboneStatus,
  bundledBackbonePath,
  downloadBackbone,
  importBackbone,
  loadBackbone,
  RANDOM_INIT_WARNING,
  resolveBackbone,
  weightsDir
} from '../../../electron/engine/models/backbones'
import { initResnet18Weights } from '../../../electron/engine/models/resnet'
import { writeSafetensors } from '../../../electron/engine/models/safetensors'
import { backboneDirs as dirs } from '../../../electron/services/app-info'

// A reduced-width ResNet18 stands in for the 46 MB ImageNet file on the loopback server.
const served = readFileSync(join(__dirname, '../../fixtures/torch/resnet18-w0125-c3.safetensors'))
const servedSha = createHash('sha256').update(served).digest('hex')

let server: Server
let base: string
const requests: Array<{ path: string; range?: string }> = []
let flakyCount = 0

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = req.url ?? '/'
    requests.push({ path, range: req.headers.range })
    const half = Math.floor(served.length / 2)
    const sendFrom = (start: number, status: number, cut?: number): void => {
      const headers: Record<string, string | number> = { 'content-length': served.length - start, 'accept-ranges': 'bytes' }
      if (status === 206) headers['content-range'] = `bytes ${start}-${served.length - 1}/${served.length}`
      res.writeHead(status, headers)
      const end = cut ?? served.length
      // Several chunks so progress is reported more than once.
      const step = Math.ceil((end - start) / 4)
      for (let at = start; at < end; at += step) res.write(served.subarray(at, Math.min(end, at + step)))
      if (cut !== undefined) setTimeout(() => res.destroy(), 20)
      else res.end()
    }
    if (path === '/ok') return sendFrom(0, 200)
    if (path === '/interrupted') return sendFrom(0, 200, half)
    if (path === '/flaky') {
      flakyCount++
      const m = /bytes=(\d+)-/.exec(req.headers.range ?? '')
      if (flakyCount === 1) return sendFrom(0, 200, half)
      return m ? sendFrom(Number(m[1]), 206) : sendFrom(0, 200)
    }
    if (path === '/garbage') {
      res.writeHead(200, { 'content-length': 64 })
      return res.end(Buffer.alloc(64, 7))
    }
    res.writeHead(404)
    res.end('not here')
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise<void>((r) => server.close(() => r())))

beforeEach(async () => {
  process.env.DEFECT_STUDIO_DATA_DIR = await mkdtemp(join(tmpdir(), 'ds-backbones-'))
  requests.length = 0
  flakyCount = 0
})
afterEach(() => {
  delete process.env.DEFECT_STUDIO_DATA_DIR
  delete (process as { resourcesPath?: string }).resourcesPath
})

async function weightsFiles(): Promise<string[]> {
  return existsSync(weightsDir(dirs())) ? (await readdir(weightsDir(dirs()))).sort() : []
}

describe('backbone download (loopback server)', () => {
  it('downloads with progress, records the SHA-256 and becomes the backbone', async () => {
    const progress: Array<[number, number | null]> = []
    const r = await downloadBackbone(dirs(), { url: `${base}/ok`, onProgress: (a, b) => progress.push([a, b]) })
    expect(r).toMatchObject({ source: 'imagenet', sha256: servedSha, bytes: served.length })
    expect(readFileSync(r.file!)).toEqual(served)
    expect(progress.length).toBeGreaterThan(2)
    expect(progress.at(-1)).toEqual([served.length, served.length])
    for (let i = 1; i < progress.length; i++) expect(progress[i]![0]).toBeGreaterThanOrEqual(progress[i - 1]![0])
    expect(await resolveBackbone(dirs())).toEqual({ source: 'imagenet', file: r.file, sha256: servedSha })
    expect(await weightsFiles()).toEqual(['backbones.json', 'resnet18-imagenet.safetensors'])
  })

  it('a wrong size is rejected and leaves no file', async () => {
    await expect(downloadBackbone(dirs(), { url: `${base}/ok`, expectedBytes: served.length + 1 })).rejects.toThrow(new RegExp(`received ${served.length} bytes, expected ${served.length + 1}`))
    await expect(downloadBackbone(dirs(), { url: `${base}/ok`, expectedSha256: '0'.repeat(64) })).rejects.toThrow(/SHA-256 .* does not match/)
    expect(await weightsFiles()).toEqual([])
    expect((await resolveBackbone(dirs())).source).toBe('random')
  })

  it('an interrupted download leaves no partial file', async () => {
    const err = await downloadBackbone(dirs(), { url: `${base}/interrupted`, attempts: 2, retryDelayMs: 10 }).catch((e: Error) => e)
    expect(err).toBeInstanceOf(BackboneDownloadError)
    expect((err as Error).message).toMatch(/interrupted.*failed/)
    expect(requests.filter((q) => q.path === '/interrupted')).toHaveLength(2)
    expect(await weightsFiles()).toEqual([])
  })

  it('retries and resumes with a Range request after an interruption', async () => {
    const r = await downloadBackbone(dirs(), { url: `${base}/flaky`, attempts: 3, retryDelayMs: 10 })
    expect(r.sha256).toBe(servedSha)
    const flaky = requests.filter((q) => q.path === '/flaky')
    expect(flaky).toHaveLength(2)
    expect(flaky[1]!.range).toMatch(/^bytes=\d+-$/)
    expect(Number(/\d+/.exec(flaky[1]!.range!)![0])).toBeGreaterThan(0)
    expect(await weightsFiles()).toEqual(['backbones.json', 'resnet18-imagenet.safetensors'])
  })

  it('HTTP errors are not retried; a file that is not ResNet18 weights is rejected', async () => {
    await expect(downloadBackbone(dirs(), { url: `${base}/missing`, attempts: 3, retryDelayMs: 10 })).rejects.toThrow(/HTTP 404/)
    expect(requests.filter((q) => q.path === '/missing')).toHaveLength(1)
    await expect(downloadBackbone(dirs(), { url: `${base}/garbage` })).rejects.toThrow(/not usable ResNet18 weights/)
    expect(await weightsFiles()).toEqual([])
  })
})

describe('backbone import, bundled file and random fallback', () => {
  it('with nothing available: random initialisation with a visible warning', async () => {
    expect(await resolveBackbone(dirs())).toEqual({ source: 'random', warning: RANDOM_INIT_WARNING })
    expect(RANDOM_INIT_WARNING).toMatch(/accuracy will be lower/)
    const s = await backboneStatus(dirs())
    expect(s.weightsDir).toBe(join(process.env.DEFECT_STUDIO_DATA_DIR!, 'weights'))
  })

  it('a bundled file in resources/ is used when nothing was downloaded or imported', async () => {
    const res = await mkdtemp(join(tmpdir(), 'ds-res-'))
    ;(process as { resourcesPath?: string }).resourcesPath = res
    await mkdir(join(res, 'resources', 'weights'), { recursive: true })
    await writeFile(bundledBackbonePath(dirs()), served)
    expect(await resolveBackbone(dirs())).toEqual({ source: 'bundled', file: join(res, 'resources', 'weights', 'resnet18.safetensors') })
    // A later download wins over the bundled file.
    await downloadBackbone(dirs(), { url: `${base}/ok` })
    expect((await resolveBackbone(dirs())).source).toBe('imagenet')
  })

  it('imports a full-size file (validated, copied atomically), rejects reduced width and non-weights', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ds-import-'))
    const reduced = join(dir, 'reduced.safetensors')
    await writeFile(reduced, served)
    await expect(importBackbone(dirs(), reduced)).rejects.toThrow(/reduced-width ResNet18 \(width 0\.125\)/)
    const junk = join(dir, 'junk.safetensors')
    await writeFile(junk, 'hello')
    await expect(importBackbone(dirs(), junk)).rejects.toThrow(/junk\.safetensors: .*not a valid \.safetensors/)
    expect(await weightsFiles()).toEqual([])

    const full = join(dir, 'timm-resnet18.safetensors')
    const weights = initResnet18Weights({ numClasses: 10, width: 1, seed: 5 })
    // timm-style: classifier under head.fc, as some timm exports name it.
    const timm = new Map([...weights].map(([n, t]) => [n.startsWith('fc.') ? `head.${n}` : n, t]))
    const bytes = writeSafetensors(timm)
    await writeFile(full, bytes)
    const r = await importBackbone(dirs(), full)
    expect(r).toMatchObject({ source: 'imported', numClasses: 10, sha256: createHash('sha256').update(bytes).digest('hex') })
    expect(await weightsFiles()).toEqual(['backbones.json', 'resnet18-imported.safetensors'])
    const loaded = await loadBackbone(dirs())
    expect(loaded.info.source).toBe('imported')
    expect(loaded.weights.get('fc.weight')!.data).toEqual(weights.get('fc.weight')!.data)
    expect(loaded.weights.get('layer4.1.conv2.weight')!.shape).toEqual([512, 512, 3, 3])
  })
})
