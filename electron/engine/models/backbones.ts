import { createHash } from 'node:crypto'
import { createReadStream, existsSync, statSync } from 'node:fs'
import { mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { TensorMap } from '../tensor'
import { initResnet18Weights } from './resnet'
import { loadResnetWeights, parseResnetWeights, WeightsError } from './weights'
import { MAX_WEIGHTS_BYTES, ReadLimitError, readRegularFile } from './read-limited'

/**
 * The backbone manager: where the ImageNet ResNet18 weights that training starts from
 * come from. In order of preference:
 *   'imported'/'imagenet'  the one the user chose most recently: a file imported (offline
 *                          factories) or downloaded from the hub, kept in dataDir()/weights
 *   'bundled'              resources/weights/resnet18.safetensors, put there by an installer build
 *   'random'               torchvision's random initialisation, with a warning: accuracy
 *                          will be lower and more labelled images are needed.
 * A manifest (dataDir()/weights/backbones.json) records each file's SHA-256, size and origin.
 * The folders come from the caller (services/app-info.ts's backboneDirs()): the engine
 * knows nothing of where the app keeps its data.
 */

/** Where the app keeps downloaded/imported weights and where an installer put bundled ones. */
export interface BackboneDirs {
  /** Per-user data folder; weights live in its `weights/` subfolder. */
  dataDir: string
  /** The app's resources folder; a bundled backbone is `weights/resnet18.safetensors` in it. */
  resourcesDir: string
}

/**
 * timm's ImageNet ResNet18 (torchvision-compatible names), safetensors, ~46.8 MB. timm's
 * `resnet18.tv_in1k` (torchvision's original weights, trained with exactly the
 * preprocessing preprocess.ts reproduces) is an alternative via --url or
 * DEFECT_STUDIO_BACKBONE_URL; for fine-tuning either works.
 */
export const DEFAULT_BACKBONE_URL = 'https://huggingface.co/timm/resnet18.a1_in1k/resolve/main/model.safetensors'

export type BackboneSource = 'imagenet' | 'imported' | 'bundled' | 'random'

export interface BackboneInfo {
  source: BackboneSource
  file?: string
  sha256?: string
  warning?: string
}

interface BackboneRecord {
  file: string
  sha256: string
  bytes: number
  /** Download URL or the imported file's original path. */
  origin: string
  at: string
}

interface Manifest {
  imagenet?: BackboneRecord
  imported?: BackboneRecord
  /** The record chosen last (download or import). */
  active?: 'imagenet' | 'imported'
}

export const RANDOM_INIT_WARNING =
  'No pretrained backbone weights: training starts from random initialisation, so accuracy will be lower and more labelled images are needed. Run "defect-studio weights download" or import a ResNet18 .safetensors file.'

export class BackboneDownloadError extends Error {
  constructor(
    readonly url: string,
    reason: string
  ) {
    super(`Downloading backbone weights from ${url} failed: ${reason}`)
    this.name = 'BackboneDownloadError'
  }
}

export function weightsDir(dirs: BackboneDirs): string {
  return join(dirs.dataDir, 'weights')
}
function manifestPath(dirs: BackboneDirs): string {
  return join(weightsDir(dirs), 'backbones.json')
}
/** Where an installer build puts weights (see electron-builder.yml extraResources). */
export function bundledBackbonePath(dirs: BackboneDirs): string {
  return join(dirs.resourcesDir, 'weights', 'resnet18.safetensors')
}
/** Download URL: option, else DEFECT_STUDIO_BACKBONE_URL, else timm's on the Hugging Face hub. */
export function backboneUrl(override?: string): string {
  return override ?? process.env.DEFECT_STUDIO_BACKBONE_URL ?? DEFAULT_BACKBONE_URL
}

async function readManifest(dirs: BackboneDirs): Promise<Manifest> {
  try {
    return JSON.parse(await readFile(manifestPath(dirs), 'utf8')) as Manifest
  } catch {
    return {}
  }
}

async function writeManifest(dirs: BackboneDirs, m: Manifest): Promise<void> {
  await mkdir(weightsDir(dirs), { recursive: true })
  const tmp = `${manifestPath(dirs)}.${process.pid}.tmp`
  await writeFile(tmp, JSON.stringify(m, null, 2))
  await rename(tmp, manifestPath(dirs))
}

function recordUsable(r: BackboneRecord | undefined): r is BackboneRecord {
  if (!r) return false
  try {
    return statSync(r.file).size === r.bytes
  } catch {
    return false
  }
}

/** Which backbone training would start from now (no file is read beyond a size check). */
export async function resolveBackbone(dirs: BackboneDirs): Promise<BackboneInfo> {
  const m = await readManifest(dirs)
  const order: Array<'imagenet' | 'imported'> = m.active === 'imagenet' ? ['imagenet', 'imported'] : ['imported', 'imagenet']
  for (const key of order) {
    const r = m[key]
    if (recordUsable(r)) return { source: key, file: r.file, sha256: r.sha256 }
  }
  const bundled = bundledBackbonePath(dirs)
  if (existsSync(bundled)) return { source: 'bundled', file: bundled }
  return { source: 'random', warning: RANDOM_INIT_WARNING }
}

/** Manifest records plus the resolved backbone, for `weights status` and `doctor`. */
export async function backboneStatus(dirs: BackboneDirs): Promise<{ resolved: BackboneInfo; weightsDir: string; bundledPath: string; url: string; records: Manifest }> {
  return { resolved: await resolveBackbone(dirs), weightsDir: weightsDir(dirs), bundledPath: bundledBackbonePath(dirs), url: backboneUrl(), records: await readManifest(dirs) }
}

/**
 * The backbone's weights (1000-class ImageNet head included when pretrained), or
 * torchvision's random initialisation with the warning. Training replaces `fc`.
 */
export async function loadBackbone(dirs: BackboneDirs, opts: { seed?: number } = {}): Promise<{ info: BackboneInfo; weights: TensorMap; numClasses: number }> {
  const info = await resolveBackbone(dirs)
  if (info.source !== 'random' && info.file) {
    const { weights, numClasses, width } = await loadResnetWeights(info.file)
    if (width !== 1) throw new WeightsError(info.file, `backbone has width ${width}; a full-size ResNet18 (width 1) is expected. Import a torchvision/timm resnet18 file.`)
    return { info, weights, numClasses }
  }
  return { info, weights: initResnet18Weights({ numClasses: 1000, width: 1, seed: opts.seed ?? 0 }), numClasses: 1000 }
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

export interface DownloadOptions {
  url?: string
  /** Reject a download of any other size (bytes). Content-Length is always checked. */
  expectedBytes?: number
  /** Reject a download whose SHA-256 differs (hex). */
  expectedSha256?: string
  /** Called as bytes arrive; total is null when the server does not say. */
  onProgress?: (received: number, total: number | null) => void
  /** Attempts in all (a retry resumes with an HTTP Range request when the server allows). */
  attempts?: number
  /** Pause between attempts, ms. */
  retryDelayMs?: number
  signal?: AbortSignal
}

/**
 * Download ImageNet ResNet18 weights into dataDir()/weights. Bytes go to a `.partial`
 * file, which a retry resumes (Range request); only a complete, size-checked, validated
 * file is renamed into place, and the partial file is removed when every attempt failed,
 * so an interrupted download never leaves a file that looks usable.
 */
export async function downloadBackbone(dirs: BackboneDirs, opts: DownloadOptions = {}): Promise<BackboneInfo & { bytes: number }> {
  const url = backboneUrl(opts.url)
  const dir = weightsDir(dirs)
  await mkdir(dir, { recursive: true })
  const dest = join(dir, 'resnet18-imagenet.safetensors')
  const partial = `${dest}.partial`
  const attempts = Math.max(1, opts.attempts ?? 3)
  let lastError: Error | undefined
  try {
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        await downloadAttempt(url, partial, opts)
        lastError = undefined
        break
      } catch (error) {
        lastError = error as Error
        if (error instanceof FatalDownloadError || opts.signal?.aborted) break
        if (attempt < attempts) await new Promise((r) => setTimeout(r, opts.retryDelayMs ?? 1000))
      }
    }
    if (lastError) throw lastError instanceof BackboneDownloadError ? lastError : new BackboneDownloadError(url, offlineReason(lastError))
    const bytes = (await stat(partial)).size
    if (opts.expectedBytes !== undefined && bytes !== opts.expectedBytes) {
      throw new BackboneDownloadError(url, `received ${bytes} bytes, expected ${opts.expectedBytes}. The file on the server may have changed; check the URL.`)
    }
    const sha256 = await sha256File(partial)
    if (opts.expectedSha256 && sha256 !== opts.expectedSha256.toLowerCase()) {
      throw new BackboneDownloadError(url, `SHA-256 ${sha256} does not match the expected ${opts.expectedSha256}.`)
    }
    try {
      parseResnetWeights(await readFile(partial), url)
    } catch (error) {
      throw new BackboneDownloadError(url, `the downloaded file is not usable ResNet18 weights (${(error as Error).message.slice(0, 300)}).`)
    }
    await rename(partial, dest)
    const m = await readManifest(dirs)
    m.imagenet = { file: dest, sha256, bytes, origin: url, at: new Date().toISOString() }
    m.active = 'imagenet'
    await writeManifest(dirs, m)
    return { source: 'imagenet', file: dest, sha256, bytes }
  } finally {
    await rm(partial, { force: true })
  }
}

/** fetch's "fetch failed" says nothing; its cause says whether the server could be reached at all. */
function offlineReason(error: Error): string {
  const code = (error as { cause?: { code?: string } }).cause?.code
  const unreachable = code && ['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', 'ENETUNREACH', 'EHOSTUNREACH', 'ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT'].includes(code)
  const what = unreachable ? `the server could not be reached (${code}): this machine may be offline` : code ? `${error.message} (${code})` : error.message
  return `${what}. Check the network connection and try again, or download the file on a connected machine and import it instead.`
}

/** Not worth retrying (e.g. 404, size mismatch against Content-Length of a complete body). */
class FatalDownloadError extends BackboneDownloadError {}

async function downloadAttempt(url: string, partial: string, opts: DownloadOptions): Promise<void> {
  let have = 0
  try {
    have = (await stat(partial)).size
  } catch {
    have = 0
  }
  const headers: Record<string, string> = have > 0 ? { Range: `bytes=${have}-` } : {}
  const res = await fetch(url, { headers, signal: opts.signal, redirect: 'follow' })
  if (res.status === 416 && have > 0) {
    // The server says our partial file is complete or longer than the resource: start over.
    await rm(partial, { force: true })
    throw new BackboneDownloadError(url, 'resume offset rejected (HTTP 416)')
  }
  if (res.status >= 400 && res.status < 500) throw new FatalDownloadError(url, `HTTP ${res.status} ${res.statusText}. Check the URL (setting or DEFECT_STUDIO_BACKBONE_URL).`)
  if (res.status !== 200 && res.status !== 206) throw new BackboneDownloadError(url, `HTTP ${res.status} ${res.statusText}`)
  let total: number | null = null
  let append = false
  if (res.status === 206) {
    const range = /bytes (\d+)-(\d+)\/(\d+|\*)/.exec(res.headers.get('content-range') ?? '')
    if (!range || Number(range[1]) !== have) {
      // Not the range we asked for: start again from zero on the next attempt.
      await res.body?.cancel().catch(() => undefined)
      await rm(partial, { force: true })
      throw new BackboneDownloadError(url, `server answered with range "${res.headers.get('content-range') ?? ''}" for a resume at byte ${have}`)
    }
    append = true
    total = range[3] === '*' ? null : Number(range[3])
  }
  if (!append) {
    have = 0
    const len = res.headers.get('content-length')
    total = len !== null ? Number(len) : null
  }
  if (!res.body) throw new BackboneDownloadError(url, 'empty response body')
  const fh = await open(partial, append ? 'a' : 'w')
  let received = have
  try {
    opts.onProgress?.(received, total)
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      await fh.write(chunk)
      received += chunk.byteLength
      if (total !== null && received > total) throw new FatalDownloadError(url, `server sent more than the announced ${total} bytes.`)
      opts.onProgress?.(received, total)
    }
  } finally {
    await fh.close()
  }
  if (total !== null && received !== total) throw new BackboneDownloadError(url, `connection closed after ${received} of ${total} bytes`)
}

/**
 * Import a ResNet18 .safetensors file the user chose (torchvision or timm names; must be
 * full width). It is validated first, then copied into dataDir()/weights atomically
 * (temp file + rename) and becomes the active backbone.
 */
export async function importBackbone(dirs: BackboneDirs, file: string): Promise<BackboneInfo & { bytes: number; numClasses: number }> {
  let bytes: Uint8Array
  try {
    bytes = await readRegularFile(file, MAX_WEIGHTS_BYTES)
  } catch (error) {
    throw new WeightsError(file, error instanceof ReadLimitError ? error.reason : 'cannot read the file.')
  }
  const { numClasses, width } = parseResnetWeights(bytes, file)
  if (width !== 1) throw new WeightsError(file, `this is a reduced-width ResNet18 (width ${width}); a backbone must be a full-size ResNet18.`)
  const dir = weightsDir(dirs)
  await mkdir(dir, { recursive: true })
  const dest = join(dir, 'resnet18-imported.safetensors')
  const tmp = `${dest}.${process.pid}.tmp`
  try {
    await writeFile(tmp, bytes)
    await rename(tmp, dest)
  } finally {
    await rm(tmp, { force: true })
  }
  const sha256 = createHash('sha256').update(bytes).digest('hex')
  const m = await readManifest(dirs)
  m.imported = { file: dest, sha256, bytes: bytes.byteLength, origin: file, at: new Date().toISOString() }
  m.active = 'imported'
  await writeManifest(dirs, m)
  return { source: 'imported', file: dest, sha256, bytes: bytes.byteLength, numClasses }
}
