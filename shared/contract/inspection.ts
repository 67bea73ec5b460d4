import { z } from 'zod'
import { event, request } from './define'

/** PASS, FAIL, or NO_VERDICT (engine error, late, no camera, no model): counts as a reject. */
export const Verdict = z.enum(['PASS', 'FAIL', 'NO_VERDICT'])
export type Verdict = z.infer<typeof Verdict>

export const NoVerdictReason = z.enum(['engine-error', 'deadline', 'no-model', 'no-good-class', 'camera-lost', 'bad-image'])
export type NoVerdictReason = z.infer<typeof NoVerdictReason>

/** Where an inspected image came from. */
export const InspectionSourceKind = z.enum(['camera', 'hot-folder', 'file', 'cli'])
export type InspectionSourceKind = z.infer<typeof InspectionSourceKind>

/** Region of interest in source-image pixels: only this crop is inspected. */
export const InspectionRoi = z.object({ x: z.number().int().min(0), y: z.number().int().min(0), w: z.number().int().min(1), h: z.number().int().min(1) }).strict()
export type InspectionRoi = z.infer<typeof InspectionRoi>

/** Class name -> probability, plus `anomaly` when an anomaly model is active. */
export type InspectionScores = Record<string, number>

/**
 * A coarse heatmap of where the model looked, row-major [h, w]: one byte per cell, 0..255
 * for strength 0..1. Bytes, so it crosses IPC (structured clone) and the WebSocket (binary
 * message) as it is.
 */
export interface InspectionHeatmap {
  width: number
  height: number
  values: Uint8Array
}

/** One inspected part, as recorded in the history and pushed to the screen. */
export interface InspectionRecord {
  /** History row id (0 before it is stored). */
  id: number
  /** ISO 8601 time of capture. */
  time: string
  source: InspectionSourceKind
  /** File name for hot folder / dropped / CLI images. */
  file: string | null
  partId: string
  /** The OS user or the operator name entered for the shift. */
  actor: string
  modelVersion: number | null
  anomalyModelVersion: number | null
  verdict: Verdict
  className: string | null
  confidence: number | null
  scores: InspectionScores
  threshold: number
  region: InspectionRoi | null
  /** Capture to verdict, milliseconds. */
  latencyMs: number
  reason: NoVerdictReason | null
  /** True when the image bytes are kept in the history (every FAIL, a sample of PASS). */
  imageKept: boolean
  override: { verdict: Verdict; className: string | null; actor: string; time: string } | null
}

export interface InspectionStats {
  inspected: number
  passed: number
  failed: number
  noVerdict: number
  /** (failed + noVerdict) / inspected, 0 when nothing was inspected. */
  failRate: number
  /** Frames replaced by a newer one before the engine took them (latest wins). */
  dropped: number
  /** Verdicts per second over the last few seconds. */
  fps: number
  latencyP50: number
  latencyP95: number
  watchdogRestarts: number
}

export interface InspectionModelInfo {
  classifier: { version: number; classes: string[]; goodClass: string; threshold: number; size: number; fit: 'crop' | 'whole' } | null
  anomaly: { version: number; threshold: number; size: number; fit: 'crop' | 'whole' } | null
  /** Why an active model cannot decide (e.g. no good class): parts get NO_VERDICT with this reason. */
  problem?: { reason: NoVerdictReason; message: string } | null
}

/** Thresholds of the part-presence rule (shared/inspection/part-presence.ts). */
export const PartPresenceSettings = z
  .object({
    /** A pixel has changed when its gray level moved by at least this much. */
    pixelDelta: z.number().int().min(1).max(255),
    /** Something is on the belt when at least this fraction of pixels differs from the empty belt. */
    presentFraction: z.number().min(0.001).max(1),
    /** The picture is still when less than this fraction of pixels changed since the previous frame. */
    stillFraction: z.number().min(0.001).max(1),
    /** Still frames in a row before the part is inspected. */
    settleFrames: z.number().int().min(1).max(100),
    /** Empty-belt frames in a row before the part counts as gone. */
    emptyFrames: z.number().int().min(1).max(100)
  })
  .strict()
export type PartPresenceSettings = z.infer<typeof PartPresenceSettings>

export const InspectionSettings = z
  .object({
    /** Project override of the model version's threshold (null = use the model's). */
    thresholdOverride: z.number().min(0).max(1).nullable(),
    /** A verdict later than this (capture to verdict) becomes NO_VERDICT. */
    deadlineMs: z.number().int().min(50).max(600_000),
    /** Keep the image of one PASS in N (0 = none). Every FAIL / NO_VERDICT is kept. */
    passSampleEvery: z.number().int().min(0).max(1_000_000),
    retentionDays: z.number().int().min(1).max(36_500).nullable(),
    retentionMaxMb: z.number().min(1).max(1_000_000).nullable(),
    webhookUrl: z.string().url().max(2000).nullable(),
    jsonlPath: z.string().max(4000).nullable(),
    /** Regular expression with one capture group, applied to file names for part ids. */
    partIdPattern: z.string().max(500).nullable(),
    moveToOkNg: z.boolean(),
    heatmap: z.boolean(),
    roi: InspectionRoi.nullable(),
    triggerMode: z.enum(['continuous', 'trigger']),
    /** Continuous mode: frames per second sent to the engine (part presence: frames looked at). */
    rateHz: z.number().min(0.1).max(60),
    /**
     * Continuous mode: 'part-presence' inspects each part once, when it stands still in front
     * of the camera after the empty belt; 'every-frame' inspects every frame (for lines whose
     * parts are placed by an external trigger or never stop).
     */
    continuousRule: z.enum(['part-presence', 'every-frame']),
    presence: PartPresenceSettings,
    operator: z.string().max(200).nullable(),
    /** HTTP trigger `POST /trigger` on 127.0.0.1:port (null = off; 0 = any free port). */
    triggerPort: z.number().int().min(0).max(65535).nullable()
  })
  .strict()
export type InspectionSettings = z.infer<typeof InspectionSettings>

export const DEFAULT_INSPECTION_SETTINGS: InspectionSettings = {
  thresholdOverride: null,
  deadlineMs: 2000,
  passSampleEvery: 20,
  retentionDays: 90,
  retentionMaxMb: 2000,
  webhookUrl: null,
  jsonlPath: null,
  partIdPattern: null,
  moveToOkNg: false,
  heatmap: true,
  roi: null,
  triggerMode: 'continuous',
  rateHz: 5,
  continuousRule: 'part-presence',
  presence: { pixelDelta: 25, presentFraction: 0.02, stillFraction: 0.01, settleFrames: 3, emptyFrames: 3 },
  operator: null,
  triggerPort: null
}

export interface InspectionStatus {
  state: 'idle' | 'running' | 'paused'
  source: { kind: InspectionSourceKind; folder?: string } | null
  stats: InspectionStats
  models: InspectionModelInfo
  settings: InspectionSettings
  actor: string
  /** HTTP trigger endpoint when enabled, e.g. http://127.0.0.1:8765/trigger */
  triggerUrl: string | null
  lastFailures: InspectionRecord[]
}

/**
 * Where one frame's time went in the main process, as epoch milliseconds (sub-ms,
 * shared/timing/epoch-clock.ts): received by the pipeline, handed to the engine, run in the
 * inspection worker (absent for an in-process engine), back from the engine, recorded.
 * bench/inspect-ui.ts joins it with the screen's own stage times (renderer/src/components/
 * inspection/frame-trace.ts) to print where capture-to-screen latency goes.
 */
export interface FrameTiming {
  received: number
  engineStart: number
  workerStart?: number
  workerEnd?: number
  engineEnd: number
  recorded: number
}

/** What an inspected frame returns: the record, or `dropped` when a newer frame replaced it. */
export type FrameOutcome = { dropped: true } | { dropped: false; record: InspectionRecord; heatmap: InspectionHeatmap | null; timing?: FrameTiming }

export const HistoryFilter = z
  .object({
    from: z.string().datetime({ offset: true }).optional(),
    to: z.string().datetime({ offset: true }).optional(),
    verdict: Verdict.optional(),
    className: z.string().max(200).optional(),
    modelVersion: z.number().int().min(0).optional()
  })
  .strict()
export type HistoryFilter = z.infer<typeof HistoryFilter>

/** Largest frame accepted, bytes (a 4K JPEG is a few MB). */
const MAX_FRAME_BYTES = 40 * 1024 * 1024

/** Encoded image bytes: a Uint8Array over IPC (structured clone) and in binary WebSocket messages. */
const frameBytes = z
  .custom<Uint8Array>((v) => v instanceof Uint8Array, { message: 'expected the encoded image as bytes (Uint8Array)' })
  .refine((b) => b.byteLength <= MAX_FRAME_BYTES, { message: `frame larger than ${MAX_FRAME_BYTES / 1024 / 1024} MB` })

/** Longest side of a raw frame (as the decoder's limit for files: docs/decisions.md, Images). */
const MAX_RAW_SIDE = 30_000

/**
 * What a prepared frame was prepared for: the first stage of the model's input (crop to the
 * region of interest, exact resize: shared/imaging/input-plan.ts) was run by the screen on
 * its full `frameWidth`×`frameHeight` frame for this size, fit and region. The engine checks
 * that its model needs exactly that; otherwise the frame gets NO_VERDICT (bad-image).
 */
export const PreparedFor = z
  .object({
    frameWidth: z.number().int().min(1).max(MAX_RAW_SIDE),
    frameHeight: z.number().int().min(1).max(MAX_RAW_SIDE),
    size: z.number().int().min(8).max(4096),
    fit: z.enum(['crop', 'whole']),
    roi: InspectionRoi.nullable()
  })
  .strict()
export type PreparedFor = z.infer<typeof PreparedFor>

/**
 * A raw camera frame's layout: `image` then holds width × height pixels of `format`
 * (row-major, 8 bits per channel; 'rgba' = R, G, B, A per pixel, alpha ignored; 'rgb'),
 * as the camera screen reads them from the video: no JPEG encode in the renderer, no
 * decode in the engine (electron/services/inspection/README.md, Frames). With `prepared`
 * the pixels are the first stage of the model's input, not the whole frame.
 */
export const RawFrame = z
  .object({
    width: z.number().int().min(1).max(MAX_RAW_SIDE),
    height: z.number().int().min(1).max(MAX_RAW_SIDE),
    format: z.enum(['rgba', 'rgb']),
    prepared: PreparedFor.optional()
  })
  .strict()
export type RawFrame = z.infer<typeof RawFrame>

/** Bytes per pixel of each raw frame format. */
export const RAW_FRAME_CHANNELS = { rgba: 4, rgb: 3 } as const satisfies Record<RawFrame['format'], number>

const frameSchema = z
  .object({
    /** Encoded image (JPEG/PNG) bytes, or the raw pixels described by `raw` (empty with cameraLost). */
    image: frameBytes,
    /** Present when `image` is raw pixels (camera frames): their size and format. */
    raw: RawFrame.optional(),
    /** The camera is gone when a part had to be inspected: recorded as NO_VERDICT. */
    cameraLost: z.boolean().default(false),
    /** Capture time (ms since epoch) for capture-to-verdict latency. */
    capturedAt: z.number(),
    /** A triggered frame is never dropped; continuous frames are (latest wins). */
    triggered: z.boolean().default(false),
    partId: z.string().max(200).optional(),
    source: InspectionSourceKind.default('camera'),
    file: z.string().max(1000).optional()
  })
  .strict()
  .superRefine((frame, ctx) => {
    if (!frame.raw || frame.cameraLost) return
    const want = frame.raw.width * frame.raw.height * RAW_FRAME_CHANNELS[frame.raw.format]
    if (frame.image.byteLength !== want) {
      ctx.addIssue({
        code: 'custom',
        path: ['image'],
        message: `a ${frame.raw.width}×${frame.raw.height} ${frame.raw.format} frame has ${want} bytes, this one ${frame.image.byteLength}`
      })
    }
  })

const emptySchema = z.object({}).strict()
const startSchema = z.object({ source: z.enum(['camera', 'hot-folder', 'file']), folder: z.string().min(1).max(4000).optional() }).strict()
const pauseSchema = z.object({ paused: z.boolean() }).strict()
const settingsSchema = InspectionSettings.partial().strict()
const historyListSchema = HistoryFilter.extend({ limit: z.number().int().min(1).max(1000).default(100), offset: z.number().int().min(0).default(0) }).strict()
const overrideSchema = z.object({ id: z.number().int().min(1), verdict: Verdict, className: z.string().min(1).max(200) }).strict()

export const inspectionChannels = {
  'inspection:status': request<typeof emptySchema, InspectionStatus>(emptySchema, 'Inspection state, counters, active models and settings.'),
  'inspection:start': request<typeof startSchema, InspectionStatus>(startSchema, 'Start a session: counters reset; a hot folder starts watching.'),
  'inspection:stop': request<typeof emptySchema, InspectionStatus>(emptySchema, 'Stop the session and the hot folder watcher.'),
  'inspection:pause': request<typeof pauseSchema, InspectionStatus>(pauseSchema, 'Pause or resume: paused frames are not inspected.'),
  'inspection:frame': request<typeof frameSchema, FrameOutcome>(frameSchema, 'Inspect one camera frame or dropped image.'),
  'inspection:settings': request<typeof settingsSchema, InspectionSettings>(settingsSchema, 'Change inspection settings for the open project (an empty object reads them).'),
  'history:list': request<typeof historyListSchema, { total: number; rows: InspectionRecord[] }>(
    historyListSchema,
    'Inspection history, newest first, filtered by time, verdict, class and model version.'
  ),
  'history:export-csv': request<typeof HistoryFilter, { csv: string; rows: number }>(HistoryFilter, 'The filtered history as CSV text.'),
  'history:override': request<typeof overrideSchema, { record: InspectionRecord; imageId: number | null }>(
    overrideSchema,
    "An operator's correction: recorded, and the image goes into the labelling set with the corrected label."
  )
} as const

export const inspectionEvents = {
  'inspection:result': event(z.custom<{ record: InspectionRecord; heatmap: InspectionHeatmap | null }>(), 'One inspection finished (any source).'),
  'inspection:stats': event(z.custom<InspectionStats>(), 'Counters and latency changed.'),
  'inspection:model-swap': event(
    z.custom<{ from: number | null; to: number | null; kind: 'classifier' | 'anomaly' }>(),
    'A new model version took over between two frames.'
  ),
  'inspection:trigger': event(z.object({ partId: z.string().optional() }), 'An external trigger asks the screen to capture one frame.'),
  'inspection:incident': event(z.object({ kind: z.string(), detail: z.string() }), 'Watchdog restart, camera lost, delivery failures.')
} as const
