import type { InspectionRecord } from '../../../shared/contract/inspection'
import { noVerdictMessage } from './no-verdict-messages'

/**
 * The JSON form of one result: the CLI's `inspect` line (docs/decisions.md, CLI JSON: file,
 * verdict, class, scores, modelVersion, latencyMs, partId), also the JSONL log line and the
 * webhook body, with traceability fields added (never renamed).
 */
export interface InspectionResultJson {
  file: string | null
  verdict: InspectionRecord['verdict']
  class: string | null
  scores: Record<string, number>
  modelVersion: number | null
  latencyMs: number
  partId: string
  confidence: number | null
  anomalyModelVersion: number | null
  threshold: number
  time: string
  source: InspectionRecord['source']
  actor: string
  region: InspectionRecord['region']
  reason: InspectionRecord['reason']
  /** What the reason means and what to do (null with a verdict). */
  message: string | null
  inspectionId: number
}

export function toResultJson(r: InspectionRecord): InspectionResultJson {
  return {
    file: r.file,
    verdict: r.verdict,
    class: r.className,
    scores: roundScores(r.scores),
    modelVersion: r.modelVersion,
    latencyMs: r.latencyMs,
    partId: r.partId,
    confidence: r.confidence === null ? null : round(r.confidence),
    anomalyModelVersion: r.anomalyModelVersion,
    threshold: r.threshold,
    time: r.time,
    source: r.source,
    actor: r.actor,
    region: r.region,
    reason: r.reason,
    message: noVerdictMessage(r.reason),
    inspectionId: r.id
  }
}

function roundScores(scores: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {}
  for (const [k, v] of Object.entries(scores)) out[k] = round(v)
  return out
}

function round(v: number): number {
  return Math.round(v * 1e6) / 1e6
}
