import type {
  InspectionHeatmap,
  InspectionModelInfo,
  InspectionRecord,
  InspectionSourceKind,
  InspectionStats,
  NoVerdictReason,
  InspectionRoi,
  RawFrame,
  FrameTiming
} from '../../../shared/contract/inspection'
import { epochNow } from '../../../shared/timing/epoch-clock'
import { decideVerdict, noVerdict, type VerdictDecision } from './verdict'
import { LatencyStats } from './stats'
import { errorCode } from '../error-codes'

/**
 * The inspection pipeline: frames in, recorded verdicts out.
 *
 * - Latest wins: a continuous (camera) frame waiting for the engine is replaced by a newer
 *   one; the replaced frame is counted as dropped and never recorded. Triggered frames (a
 *   part that must get a verdict: key press, external trigger, hot folder file) are queued
 *   and never dropped.
 * - Fail-safe (docs/decisions.md, Verdicts are fail-safe): an engine error, a verdict later than the deadline (capture
 *   to verdict) or no active model gives NO_VERDICT, which counts as a reject.
 * - Watchdog: an engine call that has not returned long after its deadline restarts the
 *   engine worker; the pipeline stops waiting for it and records the incident.
 * - Model swaps happen between frames only and are announced.
 */

export interface PipelineFrame {
  /** Encoded image bytes (JPEG/PNG/...), or raw pixels as `raw` describes. */
  image: Buffer
  /** A raw camera frame's size and format (absent: `image` is an encoded file). */
  raw?: RawFrame
  /** Capture time, ms since the epoch: latency is measured from here. */
  capturedAt: number
  source: InspectionSourceKind
  file?: string | null
  partId?: string
  /** Triggered frames are queued, never dropped. */
  triggered?: boolean
  /** No image could be taken (camera lost): the part gets NO_VERDICT for this reason. */
  failure?: NoVerdictReason
}

/** What the engine returns for one image. */
export interface EngineOutput {
  /** probabilities: [C] in the classifier's class order (when a classifier is active). */
  probabilities?: number[]
  anomalyScore?: number
  heatmap?: InspectionHeatmap | null
  /** When the inspection worker started and ended this frame (epoch ms; absent in-process). */
  worker?: { start: number; end: number }
}

export interface EngineRequest {
  image: Buffer
  raw?: RawFrame
  roi: InspectionRoi | null
  heatmap: boolean
  models: InspectionModelInfo
}

/** The part of the engine the pipeline needs: in the app, the engine worker. */
export interface InspectionEngine {
  infer(request: EngineRequest): Promise<EngineOutput>
  /** Kill and restart the worker (watchdog). Pending calls may reject. */
  restart(reason: string): Promise<void>
  /** Load the models ahead of the first frame, so its latency is not a session start. */
  warmup?(models: InspectionModelInfo): Promise<void>
}

/** Receives every verdict; stores it and returns the stored record (with its id). `raw`: the image is a raw frame. */
export type RecordSink = (record: InspectionRecord, image: Buffer, raw?: RawFrame) => InspectionRecord | Promise<InspectionRecord>

export interface PipelineOptions {
  engine: InspectionEngine
  sink: RecordSink
  deadlineMs: number
  /** Restart the engine when a call has not returned this long after it started. */
  watchdogMs?: number
  roi?: InspectionRoi | null
  heatmap?: boolean
  actor: () => string
  nextPartId: (frame: PipelineFrame) => string
  onIncident?: (kind: string, detail: string) => void
  onModelSwap?: (swap: { kind: 'classifier' | 'anomaly'; from: number | null; to: number | null }) => void
  onResult?: (record: InspectionRecord, heatmap: InspectionHeatmap | null) => void
  now?: () => number
}

export type PipelineOutcome = { dropped: true } | { dropped: false; record: InspectionRecord; heatmap: InspectionHeatmap | null; timing: FrameTiming }

interface Pending {
  frame: PipelineFrame
  /** When submit() got it (epoch ms): the start of its FrameTiming. */
  receivedAt: number
  resolve: (outcome: PipelineOutcome) => void
  reject: (error: unknown) => void
}

export class InspectionPipeline {
  private models: InspectionModelInfo = { classifier: null, anomaly: null }
  private pendingModels: InspectionModelInfo | null = null
  private readonly queue: Pending[] = []
  private latest: Pending | null = null
  private busy = false
  private paused = false
  private idleWaiters: Array<() => void> = []
  private readonly latency = new LatencyStats(500)
  private counts = { inspected: 0, passed: 0, failed: 0, noVerdict: 0, dropped: 0, watchdogRestarts: 0 }
  private readonly now: () => number
  private deadlineMs: number
  private roi: InspectionRoi | null
  private heatmap: boolean

  constructor(private readonly options: PipelineOptions) {
    this.now = options.now ?? Date.now
    this.deadlineMs = options.deadlineMs
    this.roi = options.roi ?? null
    this.heatmap = options.heatmap ?? false
  }

  /** Install models now (before the first frame) without announcing a swap. */
  setModels(models: InspectionModelInfo): void {
    if (this.busy) this.pendingModels = models
    else this.models = models
  }

  /** Swap to new models between frames: the next frame uses them and the swap is announced. */
  swapModels(models: InspectionModelInfo): void {
    this.pendingModels = models
    if (!this.busy) this.applyPendingModels()
  }

  currentModels(): InspectionModelInfo {
    return this.pendingModels ?? this.models
  }

  configure(settings: { deadlineMs?: number; roi?: InspectionRoi | null; heatmap?: boolean }): void {
    if (settings.deadlineMs !== undefined) this.deadlineMs = settings.deadlineMs
    if (settings.roi !== undefined) this.roi = settings.roi
    if (settings.heatmap !== undefined) this.heatmap = settings.heatmap
  }

  setPaused(paused: boolean): void {
    this.paused = paused
    if (paused && this.latest) {
      // A paused line inspects nothing: the waiting camera frame is let go (not a drop).
      this.latest.resolve({ dropped: true })
      this.latest = null
    }
  }

  isPaused(): boolean {
    return this.paused
  }

  /** Inspect a frame. Resolves with its record, or `dropped` when a newer frame replaced it. */
  submit(frame: PipelineFrame): Promise<PipelineOutcome> {
    return new Promise<PipelineOutcome>((resolve, reject) => {
      if (this.paused && !frame.triggered) {
        resolve({ dropped: true })
        return
      }
      const pending: Pending = { frame, receivedAt: epochNow(), resolve, reject }
      if (frame.triggered) {
        this.queue.push(pending)
      } else {
        if (this.latest) {
          this.counts.dropped++
          this.latest.resolve({ dropped: true })
        }
        this.latest = pending
      }
      void this.pump()
    })
  }

  /** Resolves when every submitted frame has been handled. */
  whenIdle(): Promise<void> {
    if (!this.busy && !this.latest && this.queue.length === 0) return Promise.resolve()
    return new Promise((resolve) => this.idleWaiters.push(resolve))
  }

  stats(): InspectionStats {
    const c = this.counts
    const rejects = c.failed + c.noVerdict
    return {
      inspected: c.inspected,
      passed: c.passed,
      failed: c.failed,
      noVerdict: c.noVerdict,
      failRate: c.inspected > 0 ? rejects / c.inspected : 0,
      dropped: c.dropped,
      fps: this.latency.fps(this.now()),
      latencyP50: this.latency.percentile(50),
      latencyP95: this.latency.percentile(95),
      watchdogRestarts: c.watchdogRestarts
    }
  }

  resetStats(): void {
    this.counts = { inspected: 0, passed: 0, failed: 0, noVerdict: 0, dropped: 0, watchdogRestarts: 0 }
    this.latency.clear()
  }

  private async pump(): Promise<void> {
    if (this.busy) return
    this.busy = true
    try {
      for (;;) {
        const next = this.queue.shift() ?? this.takeLatest()
        if (!next) break
        this.applyPendingModels()
        try {
          next.resolve(await this.process(next.frame, next.receivedAt))
        } catch (error) {
          // Only the sink can throw here (the engine's failures become NO_VERDICT).
          this.options.onIncident?.('record-failed', error instanceof Error ? error.message : String(error))
          next.reject(error)
        }
      }
    } finally {
      this.busy = false
      this.applyPendingModels()
      const waiters = this.idleWaiters
      this.idleWaiters = []
      for (const w of waiters) w()
    }
  }

  private takeLatest(): Pending | null {
    const p = this.latest
    this.latest = null
    return p
  }

  private applyPendingModels(): void {
    const next = this.pendingModels
    if (!next) return
    this.pendingModels = null
    const before = this.models
    this.models = next
    const announce = (kind: 'classifier' | 'anomaly', from: number | null, to: number | null): void => {
      if (from !== to) this.options.onModelSwap?.({ kind, from, to })
    }
    announce('classifier', before.classifier?.version ?? null, next.classifier?.version ?? null)
    announce('anomaly', before.anomaly?.version ?? null, next.anomaly?.version ?? null)
  }

  private async process(frame: PipelineFrame, receivedAt: number): Promise<PipelineOutcome> {
    const models = this.models
    const engineStart = epochNow()
    let engineEnd = engineStart
    let worker: EngineOutput['worker']
    const partId = frame.partId ?? this.options.nextPartId(frame)
    let decision: VerdictDecision
    let heatmap: InspectionHeatmap | null = null

    if (frame.failure) {
      decision = noVerdict(frame.failure)
    } else if (!models.classifier && !models.anomaly) {
      decision = noVerdict(models.problem?.reason ?? 'no-model')
    } else if (this.now() - frame.capturedAt >= this.deadlineMs) {
      // Already too old when the engine got free (e.g. queued behind a hung call).
      decision = noVerdict('deadline')
    } else {
      const outcome = await this.runEngine(frame, models)
      engineEnd = epochNow()
      if ('output' in outcome) worker = outcome.output.worker
      if ('reason' in outcome) {
        decision = noVerdict(outcome.reason)
      } else if (this.now() - frame.capturedAt > this.deadlineMs) {
        // A late verdict is no verdict: the part has moved on (the timer cannot fire while
        // an in-process session blocks the thread, so check again here).
        decision = noVerdict('deadline')
      } else {
        try {
          decision = decideVerdict({
            classifier: models.classifier
              ? {
                  classes: models.classifier.classes,
                  goodIndex: models.classifier.classes.indexOf(models.classifier.goodClass),
                  probabilities: outcome.output.probabilities ?? [],
                  threshold: models.classifier.threshold
                }
              : null,
            anomaly: models.anomaly ? { score: outcome.output.anomalyScore ?? Number.NaN, threshold: models.anomaly.threshold } : null
          })
          heatmap = outcome.output.heatmap ?? null
        } catch (error) {
          this.options.onIncident?.('engine-error', error instanceof Error ? error.message : String(error))
          decision = noVerdict('engine-error')
        }
      }
    }

    const latencyMs = Math.max(0, this.now() - frame.capturedAt)
    const draft: InspectionRecord = {
      id: 0,
      time: new Date(frame.capturedAt).toISOString(),
      source: frame.source,
      file: frame.file ?? null,
      partId,
      actor: this.options.actor(),
      modelVersion: models.classifier?.version ?? null,
      anomalyModelVersion: models.anomaly?.version ?? null,
      verdict: decision.verdict,
      className: decision.className,
      confidence: decision.confidence,
      scores: decision.scores,
      threshold: models.classifier?.threshold ?? models.anomaly?.threshold ?? 0,
      region: this.roi,
      latencyMs: Math.round(latencyMs * 100) / 100,
      reason: decision.reason ?? null,
      imageKept: false,
      override: null
    }
    this.count(draft)
    const record = await this.options.sink(draft, frame.image, frame.raw)
    const timing: FrameTiming = { received: receivedAt, engineStart, ...(worker ? { workerStart: worker.start, workerEnd: worker.end } : {}), engineEnd, recorded: epochNow() }
    this.options.onResult?.(record, heatmap)
    return { dropped: false, record, heatmap, timing }
  }

  private count(record: InspectionRecord): void {
    this.counts.inspected++
    if (record.verdict === 'PASS') this.counts.passed++
    else if (record.verdict === 'FAIL') this.counts.failed++
    else this.counts.noVerdict++
    this.latency.add(record.latencyMs, this.now())
  }

  /**
   * Run the engine with the deadline and the watchdog. Never throws: failures come back as
   * a NO_VERDICT reason. Returns once the call settled, or once the deadline passed and
   * (if the call is hung) the watchdog restarted the engine.
   */
  private runEngine(frame: PipelineFrame, models: InspectionModelInfo): Promise<{ output: EngineOutput } | { reason: NoVerdictReason }> {
    const watchdogMs = this.options.watchdogMs ?? Math.max(5000, 3 * this.deadlineMs)
    const remaining = Math.max(0, this.deadlineMs - (this.now() - frame.capturedAt))
    return new Promise((resolve) => {
      let settled = false
      let deadlinePassed = false
      const finish = (value: { output: EngineOutput } | { reason: NoVerdictReason }): void => {
        if (settled) return
        settled = true
        clearTimeout(deadlineTimer)
        clearTimeout(watchdogTimer)
        resolve(value)
      }
      const deadlineTimer = setTimeout(() => {
        deadlinePassed = true
      }, remaining)
      const watchdogTimer = setTimeout(() => {
        this.counts.watchdogRestarts++
        const detail = `engine did not answer within ${watchdogMs} ms (part ${frame.partId ?? '?'}); restarting the engine worker`
        this.options.onIncident?.('watchdog-restart', detail)
        this.options.engine.restart(detail).catch((error: unknown) => {
          this.options.onIncident?.('restart-failed', error instanceof Error ? error.message : String(error))
        })
        finish({ reason: 'deadline' })
      }, watchdogMs)
      let call: Promise<EngineOutput>
      try {
        call = this.options.engine.infer({ image: frame.image, ...(frame.raw ? { raw: frame.raw } : {}), roi: this.roi, heatmap: this.heatmap, models })
      } catch (error) {
        call = Promise.reject(error)
      }
      call.then(
        (output) => finish(deadlinePassed ? { reason: 'deadline' } : { output }),
        (error: unknown) => {
          const message = error instanceof Error ? error.message : String(error)
          // By contract code (error-codes.ts): the same for the in-process engine and the worker's.
          const badImage = errorCode(error) === 'bad-image'
          this.options.onIncident?.(badImage ? 'bad-image' : 'engine-error', message)
          finish({ reason: badImage ? 'bad-image' : 'engine-error' })
        }
      )
    })
  }
}
