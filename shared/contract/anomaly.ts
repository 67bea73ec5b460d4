import { z } from 'zod'
import { event, request } from './define'

/**
 * Anomaly mode (PatchCore): learn from good images only. Training runs in the engine
 * worker; progress arrives as `anomaly:progress`, the end as `anomaly:done`. The result is
 * a model version of kind 'anomaly' (listed, activated and rolled back with the
 * classifier's `models:*` channels). The training screen shows the FRR setting
 * (`anomaly:recalibrate`) and, when defects are labelled, the ROC curve.
 */

export const AnomalyTrainRequest = z
  .object({
    /** Fraction of patch features kept in the memory bank (default 0.1). */
    coresetFraction: z.number().gt(0).max(1).optional(),
    /** False-reject rate the threshold is calibrated for, e.g. 0.005 = 0.5 % (default 0.01). */
    targetFrr: z.number().gt(0).lt(1).optional(),
    size: z.number().int().min(32).max(1024).optional(),
    fit: z.enum(['crop', 'whole']).optional(),
    seed: z.number().int().min(0).max(2 ** 31 - 1).optional()
  })
  .strict()
export type AnomalyTrainRequest = z.input<typeof AnomalyTrainRequest>

export const RocPointDto = z.object({ threshold: z.number(), falsePositiveRate: z.number(), truePositiveRate: z.number() })
export type RocPointDto = z.infer<typeof RocPointDto>

export const AnomalyCalibrationDto = z.object({
  threshold: z.number(),
  targetFrr: z.number(),
  calibrationImages: z.number(),
  calibrationFrr: z.number(),
  expectedFrr: z.number(),
  /** Clopper–Pearson 95 % upper bound of the FRR from the calibration rejections. */
  frrUpperBound95: z.number(),
  /** Good images the target rate needs for a distribution-free threshold. */
  minimumImages: z.number(),
  method: z.enum(['order-statistic', 'normal-tail']),
  rank: z.number().optional(),
  /** Set when the calibration set is too small for the requested rate. */
  warning: z.string().optional()
})
export type AnomalyCalibrationDto = z.infer<typeof AnomalyCalibrationDto>

export const AnomalyDonePayload = z.object({
  status: z.enum(['done', 'failed']),
  modelVersion: z.number().nullable(),
  activated: z.boolean(),
  /** Why the new version was (not) activated, or why the fit failed. */
  reason: z.string(),
  threshold: z.number().nullable(),
  imageAuroc: z.number().nullable(),
  falseRejectRate: z.number().nullable(),
  defectRecall: z.number().nullable(),
  bankSize: z.number().nullable(),
  roc: z.array(RocPointDto).nullable(),
  calibration: AnomalyCalibrationDto.nullable(),
  warnings: z.array(z.string())
})
export type AnomalyDonePayload = z.infer<typeof AnomalyDonePayload>

export interface AnomalyEvaluationDto {
  modelVersion: number
  imageAuroc: number | null
  threshold: number | null
  falseRejectRate: number | null
  defectRecall: number | null
  goodImages: number
  defectImages: number
  roc: RocPointDto[] | null
}

export const AnomalyProgressPayload = z.object({ phase: z.string(), done: z.number(), total: z.number() })

export const anomalyChannels = {
  'anomaly:train': request<typeof AnomalyTrainRequest, { started: boolean }>(AnomalyTrainRequest, 'Start fitting an anomaly model from the good images; progress and the result arrive as events.'),
  'anomaly:status': request<z.ZodObject<{}>, { state: 'idle' | 'training' | 'done' | 'error'; last: AnomalyDonePayload | null; busyElsewhere?: { projectPath: string } }>(
    z.object({}).strict(),
    'Whether an anomaly fit is running, and the last result.'
  ),
  'anomaly:recalibrate': request<z.ZodObject<{ version: z.ZodNumber; targetFrr: z.ZodNumber }>, AnomalyCalibrationDto>(
    z.object({ version: z.number().int().min(1), targetFrr: z.number().gt(0).lt(1) }).strict(),
    "Set an anomaly model's threshold for another false-reject rate, from the held-out good images."
  ),
  'anomaly:evaluate': request<z.ZodObject<{ version: z.ZodOptional<z.ZodNumber> }>, AnomalyEvaluationDto>(
    z.object({ version: z.number().int().min(1).optional() }).strict(),
    'Image AUROC, ROC curve, FRR and defect recall of an anomaly model (default: the active one) on the held-out images.'
  )
} as const

export const anomalyEvents = {
  'anomaly:progress': event(AnomalyProgressPayload, 'Fitting progress: phase (features, coreset, graph, calibration), done of total.'),
  'anomaly:done': event(AnomalyDonePayload, 'An anomaly fit ended: the new model version and its threshold, or why it failed.')
} as const
