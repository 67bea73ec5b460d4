import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import * as ort from 'onnxruntime-node'
import type { ExecutionProviderName } from '../../../shared/contract/app'

export type { ExecutionProviderName }
export type InferenceSession = ort.InferenceSession
export type ProviderRequest = 'auto' | ExecutionProviderName

/**
 * Execution providers (docs/decisions.md): in order of preference where present
 *   CUDA     Linux x64, only when onnxruntime-node's CUDA add-on is installed (its
 *            libraries are downloaded at install time, outside the package registries)
 *   DirectML Windows (bundled)       CoreML macOS (bundled)
 *   WebGPU   bundled on every platform, any GPU vendor, but experimental in ORT 1.30:
 *            op coverage and numerical parity are not verified in CI, so 'auto' never
 *            picks it; ask for it with the engine provider setting or
 *            DEFECT_STUDIO_PROVIDER=webgpu.
 *   CPU      always.
 * A GPU provider that fails to start falls back to CPU with the reason, never a crash.
 */

export const PROVIDER_ENV = 'DEFECT_STUDIO_PROVIDER'
const PROVIDER_NAMES: readonly ExecutionProviderName[] = ['cuda', 'dml', 'coreml', 'webgpu', 'cpu']
const LABEL: Record<ExecutionProviderName, string> = { cuda: 'CUDA', dml: 'DirectML', coreml: 'CoreML', webgpu: 'WebGPU', cpu: 'CPU' }

/** A provider's name as people write it ('dml' -> 'DirectML'). */
export function providerLabel(name: ExecutionProviderName): string {
  return LABEL[name]
}

export class ModelLoadError extends Error {
  constructor(reason: string) {
    super(`The ONNX model could not be loaded: ${reason}. Rebuild the model (retrain or re-import the model package).`)
    this.name = 'ModelLoadError'
  }
}

export interface ProviderAvailability {
  name: ExecutionProviderName
  /** True when this machine could run it (libraries present; it may still fail to start). */
  available: boolean
  /** Whether 'auto' tries it. */
  auto: boolean
  reason: string
}

function ortBinDir(): string | null {
  try {
    const pkg = createRequire(import.meta.url).resolve('onnxruntime-node/package.json')
    return join(dirname(pkg), 'bin', 'napi-v6', process.platform, process.arch)
  } catch {
    return null
  }
}

/** onnxruntime-node's version (e.g. "1.30.0"). */
export function ortVersion(): string {
  return ort.env.versions?.node ?? ort.env.versions?.common ?? 'unknown'
}

/** What each provider needs on this platform and whether it is there. For `doctor`. */
export function providerAvailability(platform: NodeJS.Platform = process.platform, arch: string = process.arch): ProviderAvailability[] {
  const bin = ortBinDir()
  const cudaLib = bin ? join(bin, platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so') : null
  const cudaInstalled = cudaLib !== null && existsSync(cudaLib)
  return [
    {
      name: 'cuda',
      available: platform === 'linux' && arch === 'x64' && cudaInstalled,
      auto: platform === 'linux',
      reason:
        platform !== 'linux' || arch !== 'x64'
          ? 'CUDA is offered on Linux x64 only.'
          : cudaInstalled
            ? 'CUDA add-on installed (needs an NVIDIA driver and CUDA 12 runtime).'
            : 'CUDA add-on not installed (onnxruntime-node downloads it at install time; see README, GPU section).'
    },
    { name: 'dml', available: platform === 'win32', auto: platform === 'win32', reason: platform === 'win32' ? 'DirectML is bundled on Windows (any DirectX 12 GPU).' : 'DirectML is Windows only.' },
    { name: 'coreml', available: platform === 'darwin', auto: platform === 'darwin', reason: platform === 'darwin' ? 'CoreML is bundled on macOS.' : 'CoreML is macOS only.' },
    {
      name: 'webgpu',
      available: true,
      auto: false,
      reason: `WebGPU is bundled but experimental: opt in with ${PROVIDER_ENV}=webgpu or the engine provider setting (needs a Vulkan, Metal or DirectX 12 GPU driver).`
    },
    { name: 'cpu', available: true, auto: true, reason: 'Always available.' }
  ]
}

/** The provider asked for: explicit option, else DEFECT_STUDIO_PROVIDER, else 'auto'. Bad env values are reported, not fatal. */
export function requestedProvider(option?: ProviderRequest): { request: ProviderRequest; note?: string } {
  if (option && option !== 'auto') return { request: option }
  const env = process.env[PROVIDER_ENV]?.trim().toLowerCase()
  if (!env || env === 'auto') return { request: 'auto' }
  if ((PROVIDER_NAMES as readonly string[]).includes(env)) return { request: env as ExecutionProviderName }
  return { request: 'auto', note: `${PROVIDER_ENV}="${env}" is not one of auto, ${PROVIDER_NAMES.join(', ')}; using auto.` }
}

/**
 * Whether createSession will go straight to CPU for this request (no GPU provider asked
 * for or available): graphs may then use CPU-only contrib ops (onnx/nchwc.ts).
 */
export function runsOnCpu(option?: ProviderRequest): boolean {
  const { request } = requestedProvider(option)
  if (request === 'cpu') return true
  if (request !== 'auto') return false
  return !providerAvailability().some((p) => p.auto && p.available && p.name !== 'cpu' && !failedProviders.has(p.name))
}

/** GPU providers that failed in this process: not retried for every session. */
const failedProviders = new Map<ExecutionProviderName, string>()

/** Forget remembered provider failures (tests; after a driver install). */
export function resetProviderFailures(): void {
  failedProviders.clear()
}

/**
 * Create an inference session for ONNX bytes (weights baked in as initializers) on the
 * best provider, falling back to CPU. `reason` says why this provider is in use.
 */
export async function createSession(
  model: Uint8Array,
  opts: { provider?: ProviderRequest; threads?: number; memoryPattern?: boolean; spinning?: boolean } = {}
): Promise<{ session: InferenceSession; provider: ExecutionProviderName; reason: string }> {
  const { request, note } = requestedProvider(opts.provider)
  const avail = providerAvailability()
  const candidates: ExecutionProviderName[] =
    request === 'auto' ? avail.filter((p) => p.auto && p.available && p.name !== 'cpu').map((p) => p.name) : request === 'cpu' ? [] : [request]
  const notes: string[] = note ? [note] : []
  if (request === 'auto') {
    const skipped = avail.filter((p) => p.auto && !p.available)
    for (const p of skipped) notes.push(`${LABEL[p.name]}: ${p.reason}`)
  }
  for (const name of candidates) {
    const remembered = failedProviders.get(name)
    if (remembered) {
      notes.push(remembered)
      continue
    }
    try {
      const session = await ort.InferenceSession.create(model, sessionOptions([name, 'cpu'], opts))
      const why = request === 'auto' ? `${LABEL[name]} is the preferred provider on this machine.` : `${LABEL[name]} was requested.`
      return { session, provider: name, reason: why }
    } catch (error) {
      const msg = `${LABEL[name]} failed to start (${firstLine(error)}); using CPU instead.`
      failedProviders.set(name, msg)
      notes.push(msg)
    }
  }
  let session: InferenceSession
  try {
    session = await ort.InferenceSession.create(model, sessionOptions(['cpu'], opts))
  } catch (error) {
    throw new ModelLoadError(firstLine(error))
  }
  const reason = notes.length > 0 ? notes.join(' ') : request === 'cpu' ? 'CPU was requested.' : 'No GPU provider is available here; CPU is used.'
  return { session, provider: 'cpu', reason }
}

/**
 * memoryPattern false: no pre-planned block for all intermediate tensors; the arena reuses
 * freed chunks instead. For the training step (hundreds of large activations) this cut
 * peak RSS by a third at the same speed (electron/engine/train/README.md, "Memory").
 */
function sessionOptions(providers: string[], { threads, memoryPattern, spinning }: { threads?: number; memoryPattern?: boolean; spinning?: boolean }): ort.InferenceSession.SessionOptions {
  return {
    executionProviders: providers,
    ...(memoryPattern === false ? { enableMemPattern: false } : {}),
    // spinning false: idle intra-op threads sleep instead of busy-waiting between kernels.
    // For a multi-second training step the wake-up latency is nothing, and spinning only
    // burns CPU that decode, the UI or other processes could use (electron/engine/train/README.md).
    ...(spinning === false ? { extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } } } : {}),
    graphOptimizationLevel: 'all',
    // Errors only: a missing GPU library is reported through `reason`, not as a log dump.
    logSeverityLevel: 3,
    ...(threads ? { intraOpNumThreads: threads, interOpNumThreads: 1 } : {})
  }
}

function firstLine(error: unknown): string {
  const m = error instanceof Error ? error.message : String(error)
  return m.split('\n')[0]!.replace(/^\/onnxruntime_src\/\S+\s*/, '').slice(0, 300)
}
