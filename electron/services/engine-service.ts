import { EventEmitter } from 'node:events'
import { backboneDirs, dataDir } from './app-info'
import type { BackboneInfoDto, EngineInfoDto, PredictionDto } from '../../shared/contract/engine'
import type { ExecutionProviderName } from '../../shared/contract/app'
import { providerAvailability, ortVersion, requestedProvider, PROVIDER_ENV, type ProviderRequest } from '../engine/infer/sessions'
import type { ImagePrediction } from '../engine/infer/predictor'
import type { Fit, Roi } from '../imaging/preprocess'
import { backboneStatus, downloadBackbone, importBackbone, resolveBackbone, type DownloadOptions } from '../engine/models/backbones'
import { WorkerHost, type CrashReport, type WorkerHostOptions, type WorkerState } from '../engine/worker-host'

/**
 * The engine as the rest of the app sees it: one worker thread (worker-host.ts) that runs
 * inference, plus the backbone manager. It tracks which provider sessions use and why,
 * reloads models after a worker crash, and reports crashes as events.
 * Events: 'status' (EngineInfoDto), 'crashed' (CrashReport), 'weights-progress'.
 */
export interface EngineServiceEvents {
  status: [EngineInfoDto]
  crashed: [CrashReport]
  'weights-progress': [{ received: number; total: number | null }]
}

export class EngineService extends EventEmitter<EngineServiceEvents> {
  readonly host: WorkerHost
  private provider: ExecutionProviderName = 'cpu'
  private providerReason = 'The engine has not started yet.'
  private lastCrash: { reason: string; at: string } | null = null
  /** Models loaded in the current worker (cleared on crash). */
  private readonly loaded = new Map<string, Promise<void>>()
  private weights: BackboneInfoDto = { source: 'random' }

  constructor(private readonly opts: { provider?: ProviderRequest; threads?: number; host?: WorkerHostOptions } = {}) {
    super()
    this.host = new WorkerHost(opts.host)
    this.host.on('crashed', (report) => {
      this.loaded.clear()
      this.lastCrash = { reason: report.reason, at: report.at }
      this.emit('crashed', report)
    })
    this.host.on('state', () => void this.info().then((i) => this.emit('status', i)).catch(() => undefined))
  }

  /** Start the worker and find out which provider sessions will use. */
  async start(): Promise<EngineInfoDto> {
    await this.host.start()
    const probe = await this.host.call('engine:probe', { provider: this.opts.provider })
    this.provider = probe.provider
    this.providerReason = probe.reason
    this.weights = await resolveBackbone(backboneDirs())
    const info = await this.info()
    this.emit('status', info)
    return info
  }

  async info(): Promise<EngineInfoDto> {
    const state: WorkerState = this.host.state
    return {
      state,
      provider: this.provider,
      providerReason: this.providerReason,
      ortVersion: ortVersion(),
      providers: providerAvailability(),
      weights: this.weights,
      restarts: this.host.restarts,
      lastCrash: this.lastCrash
    }
  }

  /** Load a weights file (once per worker) under `key`. */
  private ensureLoaded(key: string, weightsFile: string, size: number, heatmap: boolean): Promise<void> {
    let p = this.loaded.get(key)
    if (!p) {
      p = this.host
        .call('predict:load', { key, weightsFile, size, heatmap, provider: this.opts.provider, threads: this.opts.threads })
        .then((m) => {
          this.provider = m.provider
          this.providerReason = m.providerReason
        })
      p.catch(() => this.loaded.delete(key))
      this.loaded.set(key, p)
    }
    return p
  }

  /** Classify image files with a ResNet18 weights file, in the worker. */
  async predictFiles(opts: { weightsFile: string; images: string[]; size?: number; fit?: Fit; roi?: Roi; heatmap?: boolean }): Promise<ImagePrediction[]> {
    const size = opts.size ?? 224
    const heatmap = opts.heatmap === true
    const key = `file:${opts.weightsFile}@${size}${heatmap ? '+cam' : ''}`
    await this.ensureLoaded(key, opts.weightsFile, size, heatmap)
    const { results, provider, providerReason } = await this.host.call('predict:images', { key, images: opts.images, fit: opts.fit ?? 'crop', roi: opts.roi, heatmap })
    if (provider !== this.provider || providerReason !== this.providerReason) {
      this.provider = provider
      this.providerReason = providerReason
      void this.info().then((i) => this.emit('status', i))
    }
    return results
  }

  async downloadWeights(opts: Omit<DownloadOptions, 'onProgress'> = {}): Promise<BackboneInfoDto & { bytes: number }> {
    const r = await downloadBackbone(backboneDirs(), { ...opts, onProgress: (received, total) => this.emit('weights-progress', { received, total }) })
    this.weights = await resolveBackbone(backboneDirs())
    return r
  }

  async importWeights(file: string): Promise<BackboneInfoDto & { bytes: number; numClasses: number }> {
    const r = await importBackbone(backboneDirs(), file)
    this.weights = await resolveBackbone(backboneDirs())
    return r
  }

  async dispose(): Promise<void> {
    this.loaded.clear()
    await this.host.dispose()
  }
}

/** A prediction as the contract and the CLI print it. */
export function toPredictionDto(image: string, r: ImagePrediction): PredictionDto {
  const dto: PredictionDto = { image, logits: r.logits, probabilities: r.probabilities, class: r.class }
  if (r.heatmap) dto.heatmap = { width: r.heatmap.width, height: r.heatmap.height, data: Array.from(r.heatmap.data, (v) => Math.round(v * 1000) / 1000), peak: r.heatmap.peak }
  return dto
}

/** What `defect-studio doctor` prints about the engine: ORT, providers, weights, data folder. */
export async function engineDoctorInfo(): Promise<{
  ortVersion: string
  providerRequest: string
  providerRequestNote?: string
  providers: ReturnType<typeof providerAvailability>
  weights: Awaited<ReturnType<typeof backboneStatus>>
  weightsSearchOrder: string[]
  dataDir: string
}> {
  const { request, note } = requestedProvider()
  const weights = await backboneStatus(backboneDirs())
  return {
    ortVersion: ortVersion(),
    providerRequest: request,
    ...(note ? { providerRequestNote: note } : {}),
    providers: providerAvailability(),
    weights,
    weightsSearchOrder: [`${weights.weightsDir} (downloaded or imported)`, `${weights.bundledPath} (bundled with the installer)`, 'random initialisation (accuracy will be lower)'],
    dataDir: dataDir()
  }
}

/** engineDoctorInfo as text lines for `doctor` without --json. */
export function formatEngineDoctorInfo(info: Awaited<ReturnType<typeof engineDoctorInfo>>): string[] {
  const lines = [`onnxruntime-node ${info.ortVersion}; provider request: ${info.providerRequest} (set ${PROVIDER_ENV} to override)`]
  if (info.providerRequestNote) lines.push(`  note: ${info.providerRequestNote}`)
  for (const p of info.providers) lines.push(`  ${p.available ? '✓' : '✗'} ${p.name.padEnd(6)} ${p.auto ? '' : '(opt-in) '}${p.reason}`)
  const w = info.weights.resolved
  lines.push(`Backbone weights: ${w.source}${w.file ? ` (${w.file})` : ''}${w.sha256 ? ` sha256 ${w.sha256.slice(0, 12)}…` : ''}`)
  if (w.warning) lines.push(`  warning: ${w.warning}`)
  lines.push('Weights are looked for in:', ...info.weightsSearchOrder.map((s, i) => `  ${i + 1}. ${s}`))
  lines.push(`Data folder: ${info.dataDir}`)
  return lines
}

/** The status bar's `app:engine-status` event payload for an engine info snapshot. */
export function toAppEngineStatus(info: EngineInfoDto): { state: 'starting' | 'ready' | 'busy' | 'restarting' | 'error'; provider: ExecutionProviderName; providerReason: string } {
  const state = info.state === 'stopped' ? 'starting' : info.state
  return { state, provider: info.provider, providerReason: info.providerReason }
}
