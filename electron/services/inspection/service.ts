import type { EmitEvent, EventName, EventPayload } from '../../../shared/contract/index'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { userInfo, tmpdir } from 'node:os'
import { basename, extname, join } from 'node:path'
import {
  DEFAULT_INSPECTION_SETTINGS,
  InspectionSettings,
  type HistoryFilter,
  type InspectionHeatmap,
  type InspectionModelInfo,
  type InspectionRecord,
  type InspectionSourceKind,
  type InspectionStatus,
  type Verdict
} from '../../../shared/contract/inspection'
import { HistoryStore } from '../../store/history/history-store'
import type { ProjectStore } from '../../store/project-store'
import { importImages } from '../import-service'
import { NotFoundError, UserFacingError } from '../errors'
import { historyCsv } from './history-csv'
import { sha256 } from './sha256'
import { HotFolder } from './hot-folder'
import { compilePartIdPattern, counterPartId, partIdFromFileName, type PartIdPattern } from './part-id'
import { InspectionPipeline, type InspectionEngine, type PipelineFrame, type PipelineOutcome } from './pipeline'
import { InspectionRecorder } from './recorder'
import { NoGoodClassError, resolveModels, SETTING_INSPECTION } from './models-info'
import { TriggerServer } from './trigger'

/**
 * Inspection for one open project: the pipeline, where its verdicts are recorded, the
 * sources (camera frames from the screen, hot folder, dropped files, CLI), the external
 * trigger, and the history. The Electron router, browser mode and the CLI all use this.
 */
export interface InspectionServiceOptions {
  project: ProjectStore
  engine: InspectionEngine
  /** Push an event to the screens (inspection:result, :stats, :model-swap, :trigger, :incident). */
  emit?: EmitEvent
  /** History file override (default: beside the project). */
  historyFile?: string
  /** Tests shorten the webhook's retry timing. */
  webhook?: { baseBackoffMs?: number; maxBackoffMs?: number }
  /** Hot folder timing (tests). */
  hotFolder?: { stabilityMs?: number; pollMs?: number }
  /** How often a running line looks for a newly activated model (default MODEL_CHECK_MS). */
  modelCheckMs?: number
}

const LAST_FAILURES = 12
/** How often a running line looks for a newly activated model version. */
export const MODEL_CHECK_MS = 1000
/**
 * Counters go out at most this often while verdicts flow (the first at once, the last at
 * most this late): at 30 verdicts/s an update per verdict cost a percentile sort, a message
 * and a render of the counters each time, for figures nobody reads at that pace.
 */
export const STATS_EVERY_MS = 250

export class InspectionService {
  readonly history: HistoryStore
  readonly recorder: InspectionRecorder
  private readonly pipeline: InspectionPipeline
  private settingsValue: InspectionSettings
  private state: InspectionStatus['state'] = 'idle'
  private source: InspectionStatus['source'] = null
  private hotFolder: HotFolder | null = null
  private trigger: TriggerServer | null = null
  private lastFailures: InspectionRecord[] = []
  private partPattern: PartIdPattern | null = null
  private statsTimer: NodeJS.Timeout | null = null
  private statsSentAt = 0
  private statsPending: NodeJS.Timeout | null = null
  private modelsCheckedAt = 0
  private readonly recordListeners = new Set<(record: InspectionRecord) => void>()

  constructor(private readonly options: InspectionServiceOptions) {
    const { project } = options
    this.history = options.historyFile ? HistoryStore.open(options.historyFile) : HistoryStore.forProject(project.file)
    this.settingsValue = loadSettings(project)
    this.partPattern = safePattern(this.settingsValue.partIdPattern)
    this.recorder = new InspectionRecorder({
      history: this.history,
      settings: () => this.settingsValue,
      onIncident: (kind, detail) => this.incident(kind, detail),
      webhook: options.webhook
    })
    this.pipeline = new InspectionPipeline({
      engine: options.engine,
      deadlineMs: this.settingsValue.deadlineMs,
      roi: this.settingsValue.roi,
      heatmap: this.settingsValue.heatmap,
      actor: () => this.actor(),
      nextPartId: (frame) => this.partIdFor(frame),
      sink: (record, image, raw) => this.recorder.record(record, image, raw),
      onIncident: (kind, detail) => this.incident(kind, detail),
      onModelSwap: (swap) => this.emit('inspection:model-swap', swap),
      onResult: (record, heatmap) => this.onResult(record, heatmap)
    })
    this.pipeline.setModels(this.resolveModelsSafely())
    if (this.settingsValue.triggerPort !== null) void this.applyTrigger()
  }

  // ---- sources -------------------------------------------------------------------------

  async start(source: { source: 'camera' | 'hot-folder' | 'file'; folder?: string }): Promise<InspectionStatus> {
    await this.stopSources()
    this.pipeline.resetStats()
    this.pipeline.setPaused(false)
    this.lastFailures = []
    await this.warmup()
    if (source.source === 'hot-folder') {
      if (!source.folder) throw new UserFacingError('failed', 'Choose the hot folder to watch.')
      const folder = new HotFolder({
        folder: source.folder,
        history: this.history,
        moveToOkNg: this.settingsValue.moveToOkNg,
        ...this.options.hotFolder,
        onError: (message) => this.incident('hot-folder', message),
        inspect: async (file, bytes) => {
          const outcome = await this.submit({ image: bytes, capturedAt: Date.now(), source: 'hot-folder', file: basename(file), triggered: true })
          // Triggered frames are never dropped; this would be a pipeline bug, so say so loudly.
          if (outcome.dropped) throw new Error('the pipeline dropped a hot-folder file; it will be inspected when it changes')
          return { verdict: outcome.record.verdict, inspectionId: outcome.record.id }
        }
      })
      try {
        await folder.start()
      } catch (error) {
        throw new UserFacingError('failed', (error as Error).message)
      }
      this.hotFolder = folder
    }
    this.source = { kind: source.source, ...(source.folder ? { folder: source.folder } : {}) }
    this.state = 'running'
    this.startStatsTimer()
    return this.status()
  }

  async stop(): Promise<InspectionStatus> {
    await this.stopSources()
    this.state = 'idle'
    this.source = null
    return this.status()
  }

  pause(paused: boolean): InspectionStatus {
    this.pipeline.setPaused(paused)
    this.hotFolder?.setPaused(paused)
    if (this.state !== 'idle') this.state = paused ? 'paused' : 'running'
    return this.status()
  }

  /** One frame or image (camera, dropped file, CLI). */
  submit(frame: PipelineFrame): Promise<PipelineOutcome> {
    // Reading the active models costs a walk over the model rows (large BLOBs), so a
    // running line checks for a newly activated version at most once per MODEL_CHECK_MS.
    const now = Date.now()
    if (now - this.modelsCheckedAt >= (this.options.modelCheckMs ?? MODEL_CHECK_MS)) this.refreshModels()
    return this.pipeline.submit(frame)
  }

  /**
   * Load the active models before the first part arrives. A model that cannot be loaded is
   * reported here; its parts would get NO_VERDICT (engine error).
   */
  async warmup(): Promise<void> {
    this.refreshModels()
    try {
      await this.options.engine.warmup?.(this.pipeline.currentModels())
    } catch (error) {
      this.incident('engine-error', `Loading the model failed: ${(error as Error).message}`)
    }
  }

  /** Inspect a file by path (CLI, tests). Triggered: never dropped. */
  async inspectFile(file: string, source: InspectionSourceKind = 'cli'): Promise<PipelineOutcome> {
    let image: Buffer
    const capturedAt = Date.now()
    try {
      image = await readFile(file)
    } catch (error) {
      throw new UserFacingError('failed', `Cannot read "${file}" (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}).`)
    }
    return this.submit({ image, capturedAt, source, file, triggered: true })
  }

  /** Start or stop the trigger endpoint as the settings say (loopback only from the settings). */
  async applyTrigger(): Promise<void> {
    const port = this.settingsValue.triggerPort
    try {
      if (port === null) {
        const t = this.trigger
        this.trigger = null
        await t?.stop()
      } else {
        await this.startTrigger({ port })
      }
    } catch (error) {
      this.trigger = null
      this.incident('trigger', `The trigger endpoint could not start on port ${port}: ${(error as Error).message}. Choose another port.`)
    }
  }

  /** Serve `POST /trigger`; a trigger asks the screen to capture one frame. */
  async startTrigger(opts: { host?: string; port?: number; token?: string | null }): Promise<string> {
    const old = this.trigger
    this.trigger = null
    await old?.stop()
    this.trigger = new TriggerServer({
      ...opts,
      onTrigger: (payload) => {
        if (this.state === 'idle') throw new Error('Inspection is not running; start it on the Inspect screen.')
        this.emit('inspection:trigger', payload)
      }
    })
    return this.trigger.start()
  }

  // ---- settings and status -------------------------------------------------------------

  settings(): InspectionSettings {
    return this.settingsValue
  }

  /** Change settings; `persist: false` applies them to this session only (CLI flags). */
  updateSettings(patch: Partial<InspectionSettings>, opts: { persist?: boolean } = {}): InspectionSettings {
    const parsed = InspectionSettings.safeParse({ ...this.settingsValue, ...patch })
    if (!parsed.success) {
      throw new UserFacingError('failed', `Invalid inspection settings: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`)
    }
    const next = parsed.data
    const pattern = safePattern(next.partIdPattern, true)
    if (opts.persist !== false) this.options.project.settings.set(SETTING_INSPECTION, next)
    this.settingsValue = next
    this.partPattern = pattern
    this.pipeline.configure({ deadlineMs: next.deadlineMs, roi: next.roi, heatmap: next.heatmap })
    if ('thresholdOverride' in patch) this.pipeline.swapModels(this.resolveModelsSafely())
    if ('retentionDays' in patch || 'retentionMaxMb' in patch) this.recorder.applyRetention()
    if ('triggerPort' in patch) void this.applyTrigger()
    return next
  }

  models(): InspectionModelInfo {
    return this.pipeline.currentModels()
  }

  status(): InspectionStatus {
    return {
      state: this.state,
      source: this.source,
      stats: this.pipeline.stats(),
      models: this.models(),
      settings: this.settingsValue,
      actor: this.actor(),
      triggerUrl: this.trigger?.url() || null,
      lastFailures: this.lastFailures
    }
  }

  actor(): string {
    const op = this.settingsValue.operator?.trim()
    if (op) return op
    try {
      return userInfo().username
    } catch {
      return 'unknown'
    }
  }

  /** Pick up a model activated elsewhere (training, import); swapped between frames. */
  refreshModels(): void {
    this.modelsCheckedAt = Date.now()
    const next = this.resolveModelsSafely()
    // Versions, thresholds, sizes: any change takes effect from the next frame on.
    if (JSON.stringify(next) !== JSON.stringify(this.pipeline.currentModels())) this.pipeline.swapModels(next)
  }

  whenIdle(): Promise<void> {
    return this.pipeline.whenIdle()
  }

  // ---- history -------------------------------------------------------------------------

  listHistory(filter: HistoryFilter, page: { limit: number; offset: number }): { total: number; rows: InspectionRecord[] } {
    return this.history.inspections.list(filter, page)
  }

  exportCsv(filter: HistoryFilter): { csv: string; rows: number } {
    return historyCsv(this.history.inspections, filter)
  }

  /** The kept image of one inspection, served by URL (ds-image://inspection/<id>, /media/inspection/<id>). */
  image(id: number): { mime: string; bytes: Uint8Array } {
    const img = this.history.images.get(id)
    if (!img) throw new NotFoundError(`A kept image for inspection ${id}`)
    return { mime: img.mime, bytes: img.bytes }
  }

  /**
   * An operator's correction: recorded in the history, and the kept image goes into the
   * labelling set with the corrected class (through the import service, as any import).
   */
  async override(id: number, verdict: Verdict, className: string): Promise<{ record: InspectionRecord; imageId: number | null }> {
    const existing = this.history.inspections.get(id)
    if (!existing) throw new NotFoundError(`Inspection ${id}`)
    const known = this.knownClasses()
    if (known.length > 0 && !known.includes(className)) {
      throw new UserFacingError('failed', `"${className}" is not a class of this project (${known.join(', ')}). Pick one of them.`)
    }
    const contradiction = correctionContradiction(verdict, className, this.options.project.classes.list())
    if (contradiction) throw new UserFacingError('invalid-payload', contradiction, [`className: ${contradiction}`])
    const record = this.history.inspections.setOverride(id, { verdict, className, actor: this.actor() })!
    const img = this.history.images.get(id)
    if (!img) return { record, imageId: null }
    const imageId = await this.addToLabellingSet(existing, img, className)
    return { record, imageId }
  }

  async close(): Promise<void> {
    await this.stopSources()
    const t = this.trigger
    this.trigger = null
    await t?.stop()
    await this.recorder.flush()
    this.recorder.close()
    this.history.close()
  }

  // ---- internals -----------------------------------------------------------------------

  private async stopSources(): Promise<void> {
    if (this.statsTimer) clearInterval(this.statsTimer)
    this.statsTimer = null
    if (this.statsPending) clearTimeout(this.statsPending)
    this.statsPending = null
    const folder = this.hotFolder
    this.hotFolder = null
    await folder?.stop()
  }

  private startStatsTimer(): void {
    if (this.statsTimer) clearInterval(this.statsTimer)
    // fps decays to 0 when frames stop: refresh the counters on screen once a second.
    this.statsTimer = setInterval(() => this.emit('inspection:stats', this.pipeline.stats()), 1000)
    this.statsTimer.unref()
  }

  /** Listen to every stored record (the CLI's --watch prints them). */
  onRecord(listener: (record: InspectionRecord) => void): () => void {
    this.recordListeners.add(listener)
    return () => this.recordListeners.delete(listener)
  }

  private onResult(record: InspectionRecord, heatmap: InspectionHeatmap | null): void {
    for (const l of this.recordListeners) l(record)
    if (record.verdict !== 'PASS') this.lastFailures = [record, ...this.lastFailures].slice(0, LAST_FAILURES)
    this.emit('inspection:result', { record, heatmap })
    this.emitStatsSoon()
  }

  /** The counters now, or once STATS_EVERY_MS has passed since the last update (throttled, never lost). */
  private emitStatsSoon(): void {
    if (this.statsPending) return
    const wait = this.statsSentAt + STATS_EVERY_MS - Date.now()
    const send = (): void => {
      this.statsPending = null
      this.statsSentAt = Date.now()
      this.emit('inspection:stats', this.pipeline.stats())
    }
    if (wait <= 0) send()
    else this.statsPending = setTimeout(send, wait)
  }

  private partIdFor(frame: PipelineFrame): string {
    const fromName = frame.file ? partIdFromFileName(basename(frame.file), this.partPattern) : null
    return fromName ?? counterPartId(this.history.meta.nextCounter('partId'))
  }

  private resolveModelsSafely(): InspectionModelInfo {
    try {
      return resolveModels(this.options.project, this.settingsValue.thresholdOverride)
    } catch (error) {
      // No usable model: every part gets NO_VERDICT (a reject) until this is fixed, with
      // the reason named (a model without a good class is not "no model").
      const message = (error as Error).message
      this.incident('model-unusable', message)
      const reason = error instanceof NoGoodClassError ? 'no-good-class' : 'engine-error'
      return { classifier: null, anomaly: null, problem: { reason, message } }
    }
  }

  private knownClasses(): string[] {
    return this.options.project.classes.list().map((c) => c.name)
  }

  private async addToLabellingSet(record: InspectionRecord, img: { mime: string; bytes: Buffer }, className: string): Promise<number | null> {
    const store = this.options.project
    const ext = { 'image/png': '.png', 'image/jpeg': '.jpg', 'image/webp': '.webp', 'image/tiff': '.tif', 'image/bmp': '.bmp' }[img.mime] ?? '.png'
    const stem = record.file ? basename(record.file, extname(record.file)) : record.partId
    const dir = await mkdtemp(join(tmpdir(), 'ds-override-'))
    const file = join(dir, `inspection-${record.id}-${stem.replace(/[^\w.-]+/g, '_')}${ext}`)
    try {
      await writeFile(file, img.bytes)
      const report = await importImages(store, { kind: 'files', paths: [file], className })
      if (report.rejected.length > 0) throw new UserFacingError('failed', `The image could not be added to the labelling set: ${report.rejected[0]!.reason}`)
      const sha = sha256(img.bytes)
      const image = store.images.findBySha(sha)
      if (!image) return null
      if (report.duplicates.length > 0) {
        // Already in the project (e.g. overridden before): relabel it.
        const cls = store.classes.findByName(className)
        if (cls) store.labels.set([image.id], cls.id, 'user')
      }
      return image.id
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  }

  private incident(kind: string, detail: string): void {
    try {
      this.history.incidents.record(kind, detail)
    } catch {
      // The history itself failing must not stop inspection; the event still goes out.
    }
    this.emit('inspection:incident', { kind, detail })
  }

  private emit<E extends EventName>(event: E, payload: EventPayload<E>): void {
    this.options.emit?.(event, payload)
  }
}

function loadSettings(project: ProjectStore): InspectionSettings {
  const stored = project.settings.get<unknown>(SETTING_INSPECTION, null)
  const parsed = InspectionSettings.safeParse({ ...DEFAULT_INSPECTION_SETTINGS, ...(typeof stored === 'object' && stored ? stored : {}) })
  return parsed.success ? parsed.data : DEFAULT_INSPECTION_SETTINGS
}

function safePattern(pattern: string | null, strict = false): PartIdPattern | null {
  try {
    return compilePartIdPattern(pattern)
  } catch (error) {
    if (strict) throw new UserFacingError('failed', (error as Error).message)
    return null
  }
}

/**
 * Why a correction contradicts itself, or null when it does not: PASS goes with the good
 * class, FAIL with a defect class. Without a good class marked nothing can contradict
 * (every class is just a name), so any pair is accepted.
 */
export function correctionContradiction(verdict: Verdict, className: string, classes: ReadonlyArray<{ name: string; isGood: boolean }>): string | null {
  const good = classes.find((c) => c.isGood)
  if (!good) return null
  if (verdict === 'PASS' && className !== good.name) return `A PASS correction must use the good class "${good.name}", not "${className}": a part that passes has no defect. Use FAIL with "${className}", or PASS with "${good.name}".`
  if (verdict === 'FAIL' && className === good.name) return `A FAIL correction needs a defect class, not the good class "${good.name}". Use PASS with "${good.name}", or FAIL with one of the defect classes.`
  return null
}
