import type { InspectionModelInfo, InspectionRoi } from '../../../../shared/contract/index'
import { planInput, prepareInput, sameInput, type InputSpec } from '../../../../shared/imaging/input-plan'
import type { CameraFrame } from './use-camera'

/**
 * The camera screen's half of the model input: the full-resolution frame is cropped to the
 * region of interest and resized exactly (PIL bilinear) here, with the engine's own code
 * (shared/imaging/input-plan.ts), so a 640×480 frame (1.2 MB of RGBA) leaves the renderer
 * as the 64×64 (12 KB) or 224×224 (150 KB) picture the model takes: the WebSocket or IPC
 * then carries a few KB, not a megabyte (bench/frame-transport.ts: 1.2 MB frames cost
 * ~40 ms of browser CPU each). The engine finishes the input and gets the tensor the full
 * frame would give, bit for bit (tests/unit/inspection/raw-frames.test.ts).
 */

/** The one input every active model takes, or null (no model, or two models that need different inputs). */
export function frameSpec(models: InspectionModelInfo | null | undefined, roi: InspectionRoi | null | undefined): InputSpec | null {
  const specs: InputSpec[] = []
  for (const m of [models?.classifier, models?.anomaly]) if (m) specs.push({ size: m.size, fit: m.fit, roi: roi ?? null })
  const first = specs[0]
  if (!first) return null
  return specs.every((s) => sameInput(s, first)) ? first : null
}

/**
 * The frame prepared for `spec`, or the frame as it is (full resolution) when there is no
 * single spec or it does not apply (a region outside the frame: the engine then says why).
 */
export function prepareFrame(frame: CameraFrame, spec: InputSpec | null): CameraFrame {
  if (!spec || frame.raw.prepared || frame.raw.format !== 'rgba') return frame
  const { width, height } = frame.raw
  let plan
  try {
    plan = planInput(width, height, spec)
  } catch {
    return frame
  }
  // A model larger than the camera (an upscale): the frame itself is the smaller message.
  if (plan.resizeW * plan.resizeH * 3 >= frame.image.byteLength) return frame
  const input = prepareInput({ data: frame.image, width, height, channels: 4 }, plan)
  return {
    image: input.data,
    raw: { width: input.width, height: input.height, format: 'rgb', prepared: { frameWidth: width, frameHeight: height, size: spec.size, fit: spec.fit, roi: spec.roi ?? null } }
  }
}
