import { renderPart, type DemoKind, type RawImage } from './parts'

/**
 * The demo camera's scene: the demo project's own generated parts (shared/demo/parts.ts) on
 * a belt, one after another. The belt starts empty; then each part slides in, stands still
 * under the camera, slides out, and the belt runs empty for a while; every `defectEvery`-th
 * part has a defect (scratch, stain, missing hole in turn). Pure: the renderer paints these
 * frames into a canvas whose captureStream() is the "Demo camera".
 *
 * Time is the wall clock, as for a real belt, and the belt's takt is set from the session's
 * part-presence rule (sceneTiming): the rule looks at the camera `rateHz` times a second and
 * needs `settleFrames` still looks to inspect a part and `emptyFrames` empty looks to let
 * it go, so the stand-still and empty stretches last that many looks and a margin. Counted
 * in painted frames instead (10 fps) they were fixed at 2 s and 1.2 s: a rule looking 2
 * times a second (or a busy page that looked that seldom) learnt a part as the empty belt
 * and never saw the belt empty again, so one verdict came and then none.
 */
export const DEMO_CAMERA = { width: 320, height: 240, fps: 10 } as const

/** Seconds of each stretch of the scene. */
export interface SceneTiming {
  /** Empty belt at the start, while the rule learns it. */
  start: number
  enter: number
  still: number
  leave: number
  /** Empty belt between two parts. */
  empty: number
}

/** What the scene's takt depends on: the continuous mode's rate and part-presence counts. */
export interface SceneRule {
  rateHz: number
  presence: { settleFrames: number; emptyFrames: number }
}

/** Looks of margin on top of what the rule needs (a late timer, a busy page). */
const MARGIN_LOOKS = 4

export function sceneTiming(rule: SceneRule): SceneTiming {
  const look = 1 / rule.rateHz
  // The rule's first look has no previous frame (motion 1), and a part's first present look
  // is not still: both cost one look on top of the counts.
  const settle = (rule.presence.settleFrames + 1 + MARGIN_LOOKS) * look
  const gone = (rule.presence.emptyFrames + 1 + MARGIN_LOOKS) * look
  return { start: Math.max(2, settle), enter: 0.5, still: Math.max(2.5, settle), leave: 0.5, empty: Math.max(2, gone) }
}

export const cycleSeconds = (t: SceneTiming): number => t.enter + t.still + t.leave + t.empty

const DEFECTS: DemoKind[] = ['scratch', 'stain', 'no-hole']

export interface SceneFrame {
  /** Which part (0, 1, …) this frame belongs to; -1 on the empty belt at the start. */
  part: number
  kind: DemoKind
  /** Part centre as a fraction of the width; null while the belt is empty. */
  centreX: number | null
  /** Same key, same picture: the canvas is painted only when it changes. */
  key: string
}

export function kindOfPart(part: number, defectEvery = 3): DemoKind {
  return part % defectEvery === defectEvery - 1 ? DEFECTS[Math.floor(part / defectEvery) % DEFECTS.length]! : 'good'
}

/** The scene `seconds` after it started. Sliding is drawn in steps of one camera frame. */
export function sceneAt(seconds: number, timing: SceneTiming, defectEvery = 3): SceneFrame {
  if (seconds < timing.start) return { part: -1, kind: 'good', centreX: null, key: 'belt' }
  const since = seconds - timing.start
  const part = Math.floor(since / cycleSeconds(timing))
  const kind = kindOfPart(part, defectEvery)
  let t = since - part * cycleSeconds(timing)
  const step = (phase: number, length: number): number => Math.min(1, (Math.floor(phase * DEMO_CAMERA.fps) + 1) / Math.max(1, Math.round(length * DEMO_CAMERA.fps)))
  let centreX: number | null = null
  if (t < timing.enter) centreX = -0.3 + 0.8 * step(t, timing.enter)
  else if ((t -= timing.enter) < timing.still) centreX = 0.5
  else if ((t -= timing.still) < timing.leave) centreX = 0.5 + 0.8 * step(t, timing.leave)
  if (centreX === null) return { part, kind, centreX, key: 'belt' }
  return { part, kind, centreX, key: `${part}:${centreX.toFixed(3)}` }
}

/** The picture of one scene frame. The empty belt is drawn with one seed, so it looks the same each time. */
export function renderScene(scene: SceneFrame): RawImage {
  const { width, height } = DEMO_CAMERA
  if (scene.centreX === null) return renderPart({ kind: 'good', width, height, colour: true, seed: 1, present: false })
  // Colour and grayscale parts in turn, as in the demo project's training images.
  return renderPart({ kind: scene.kind, width, height, colour: scene.part % 2 === 0, seed: 1000 + scene.part, centreX: scene.centreX })
}
