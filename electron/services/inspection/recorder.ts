import sharp from 'sharp'
import { withDecodeSlot } from '../../imaging/decode-slots'
import { RAW_FRAME_CHANNELS, type InspectionRecord, type InspectionSettings, type RawFrame } from '../../../shared/contract/inspection'
import type { HistoryStore } from '../../store/history/history-store'
import { JsonlLog } from './jsonl-log'
import { toResultJson } from './result-json'
import { WebhookSender } from './webhook'

/**
 * Where every verdict goes, in this order: the history file (synchronous, one
 * transaction: the record is safe before anyone is told), then the JSONL log and the
 * webhook outbox (both queued; delivery happens in the background and never slows the
 * line). Images are kept for every reject and for one PASS in `passSampleEvery`.
 *
 * A raw camera frame that is kept is stored as a PNG (lossless, compression level 3: about
 * 5 ms for 640×480, off the main thread in sharp's pool): the kept image holds exactly the
 * pixels the model saw, so inspecting it again as a file gives the same verdict
 * (tests/unit/inspection/raw-frames.test.ts). Frames that are not kept are never encoded.
 */
export interface RecorderOptions {
  history: HistoryStore
  settings: () => InspectionSettings
  onIncident?: (kind: string, detail: string) => void
  /** Tests shorten the webhook's retry timing. */
  webhook?: { baseBackoffMs?: number; maxBackoffMs?: number; timeoutMs?: number }
}

/** Apply the retention policy after this many stored images. */
const RETENTION_EVERY = 50

export class InspectionRecorder {
  private passCount = 0
  private keptSinceRetention = 0
  private jsonl: JsonlLog | null = null
  readonly webhook: WebhookSender

  constructor(private readonly options: RecorderOptions) {
    this.webhook = new WebhookSender({
      outbox: options.history.webhookOutbox,
      ...options.webhook,
      onError: (message) => options.onIncident?.('webhook-retry', message)
    })
    this.applyRetention()
  }

  /** Record a verdict; synchronous unless a kept image is a raw frame (it is encoded first). */
  record(record: InspectionRecord, image: Buffer, raw?: RawFrame): InspectionRecord | Promise<InspectionRecord> {
    const settings = this.options.settings()
    const keep = image.length > 0 && this.shouldKeep(record, settings)
    if (keep && raw) {
      return encodeRawFrame(image, raw).then(
        (png) => this.store(record, { bytes: png, mime: 'image/png' }, settings),
        (error: unknown) => {
          // The verdict is recorded all the same; only its picture is missing.
          this.options.onIncident?.('image-not-kept', `The frame of part ${record.partId} could not be stored as PNG (${error instanceof Error ? error.message : String(error)}).`)
          return this.store(record, null, settings)
        }
      )
    }
    return this.store(record, keep ? { bytes: image, mime: sniffMime(image) } : null, settings)
  }

  private store(record: InspectionRecord, kept: { bytes: Buffer; mime: string } | null, settings: InspectionSettings): InspectionRecord {
    const keep = kept !== null
    const stored = this.options.history.inspections.insert(record, kept)
    if (keep && ++this.keptSinceRetention >= RETENTION_EVERY) this.applyRetention()
    const line = toResultJson(stored)
    if (settings.jsonlPath) this.jsonlFor(settings.jsonlPath).append(line)
    if (settings.webhookUrl) this.webhook.enqueue(settings.webhookUrl, line)
    return stored
  }

  /** Wait for the JSONL log and the webhook outbox (shutdown, tests). */
  async flush(): Promise<void> {
    await this.jsonl?.flushed()
  }

  close(): void {
    this.webhook.close()
  }

  applyRetention(): void {
    this.keptSinceRetention = 0
    const s = this.options.settings()
    const { deleted } = this.options.history.images.applyRetention({
      maxDays: s.retentionDays,
      maxBytes: s.retentionMaxMb ? s.retentionMaxMb * 1024 * 1024 : null
    })
    if (deleted > 0) this.options.onIncident?.('retention', `${deleted} stored images removed by the retention policy`)
  }

  private shouldKeep(record: InspectionRecord, settings: InspectionSettings): boolean {
    if (record.verdict !== 'PASS') return true
    this.passCount++
    return settings.passSampleEvery > 0 && this.passCount % settings.passSampleEvery === 0
  }

  private jsonlFor(path: string): JsonlLog {
    if (this.jsonl?.file !== path) {
      this.jsonl = new JsonlLog(path, (message) => this.options.onIncident?.('jsonl-error', message))
    }
    return this.jsonl
  }
}

/** The image's MIME type from its first bytes (for serving kept images back). */
export function sniffMime(bytes: Buffer): string {
  if (bytes.length >= 4 && bytes[0] === 0x89 && bytes.toString('latin1', 1, 4) === 'PNG') return 'image/png'
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8) return 'image/jpeg'
  if (bytes.length >= 2 && bytes.toString('latin1', 0, 2) === 'BM') return 'image/bmp'
  if (bytes.length >= 12 && bytes.toString('latin1', 0, 4) === 'RIFF' && bytes.toString('latin1', 8, 12) === 'WEBP') return 'image/webp'
  if (bytes.length >= 4 && (bytes.toString('latin1', 0, 4) === 'II*\0' || bytes.toString('latin1', 0, 4) === 'MM\0*')) return 'image/tiff'
  return 'application/octet-stream'
}

/** A raw frame as a lossless PNG of its RGB pixels (alpha dropped, as the engine ignores it). */
export async function encodeRawFrame(pixels: Buffer, raw: RawFrame): Promise<Buffer> {
  return withDecodeSlot(() =>
    sharp(pixels, { raw: { width: raw.width, height: raw.height, channels: RAW_FRAME_CHANNELS[raw.format] } })
      .removeAlpha()
      .png({ compressionLevel: 3 })
      .toBuffer()
  )
}
