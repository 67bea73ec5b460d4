/**
 * One part, one verdict: a part enters the camera's view, stands still, is inspected once,
 * and leaves. The rule runs on small gray frames (PRESENCE_FRAME: a camera frame scaled
 * down, 1 byte per pixel) and compares each one with
 * - the empty belt (the background, learnt at the start and slowly updated while the belt
 *   is empty, so a drift of the light does not look like a part), and
 * - the frame before it (motion: a part still sliding in is not inspected yet).
 *
 * States: 'learning' (no belt picture yet: waiting for a few still frames) → 'empty' →
 * 'arriving' (something differs from the belt and is still moving) → 'inspected' (it stood
 * still for `settleFrames` frames: `inspect` is true on that one step) → 'empty' once the belt
 * looks empty for `emptyFrames` frames in a row.
 *
 * Pure and synchronous (no DOM, no Node): the renderer's frame loop calls it on frames it
 * scales down itself, and the same class can run wherever frames are decoded.
 * Limits, by design: a part already under the camera when learning starts becomes part
 * of the belt picture; a part that never stops (a belt that does not halt) is never
 * inspected, and one part replaced by the next with no empty belt between counts once.
 * Lines like that use an external trigger or the 'every-frame' rule.
 */

/** Size of the gray frames the rule works on: small enough to be free, big enough for a part. */
export const PRESENCE_FRAME = { width: 64, height: 48 } as const

export interface PresenceThresholds {
  /** A pixel has changed when its gray level moved by at least this much (0–255). */
  pixelDelta: number
  /** Something is on the belt when at least this fraction of pixels differs from the empty belt. */
  presentFraction: number
  /** The picture is still when less than this fraction of pixels changed since the previous frame. */
  stillFraction: number
  /** Still frames in a row before the part is inspected (also: before the belt is learnt). */
  settleFrames: number
  /** Empty-belt frames in a row before the part counts as gone. */
  emptyFrames: number
}

export type PresenceState = 'learning' | 'empty' | 'arriving' | 'inspected'

export interface PresenceStep {
  state: PresenceState
  /** True on exactly one step per part: the frame to inspect. */
  inspect: boolean
  /** Fraction of pixels that differ from the empty belt (0 while learning). */
  beltChange: number
  /** Fraction of pixels that changed since the previous frame (1 on the first frame). */
  motion: number
}

/** How fast the belt picture follows the light while the belt is empty (per frame). */
const BACKGROUND_RATE = 0.05

export class PartPresence {
  private state: PresenceState = 'learning'
  private background: Float32Array | null = null
  private previous: Uint8Array | null = null
  private width = 0
  private height = 0
  private stillRun = 0
  private emptyRun = 0

  constructor(private thresholds: PresenceThresholds) {}

  /** New thresholds apply from the next frame; what was learnt is kept. */
  setThresholds(thresholds: PresenceThresholds): void {
    this.thresholds = thresholds
  }

  /** Forget the belt: learn it again from the next still frames. */
  reset(): void {
    this.state = 'learning'
    this.background = null
    this.previous = null
    this.stillRun = 0
    this.emptyRun = 0
  }

  current(): PresenceState {
    return this.state
  }

  /** gray: [height, width] gray levels, row-major. A change of size starts learning again. */
  step(gray: Uint8Array, width: number, height: number): PresenceStep {
    if (gray.length !== width * height) throw new RangeError(`part presence: ${gray.length} gray values for a ${width}×${height} frame`)
    if (width !== this.width || height !== this.height) {
      this.reset()
      this.width = width
      this.height = height
    }
    const t = this.thresholds
    const motion = this.previous ? changedFraction(gray, this.previous, t.pixelDelta) : 1
    this.previous = gray.slice()
    const still = motion < t.stillFraction
    this.stillRun = still ? this.stillRun + 1 : 0

    if (this.state === 'learning' || !this.background) {
      if (this.stillRun >= t.settleFrames) {
        this.background = Float32Array.from(gray)
        this.state = 'empty'
        this.stillRun = 0
      }
      return { state: this.state, inspect: false, beltChange: 0, motion }
    }

    const beltChange = changedFraction(gray, this.background, t.pixelDelta)
    const present = beltChange >= t.presentFraction
    this.emptyRun = present ? 0 : this.emptyRun + 1
    let inspect = false

    switch (this.state) {
      case 'empty':
        if (present) {
          this.state = 'arriving'
          // A part that appears between two frames and is still in the next ones settles
          // from here: the frame it appeared in is not still (motion), so count from 0.
          this.stillRun = 0
        } else {
          followLight(this.background, gray)
        }
        break
      case 'arriving':
        if (this.emptyRun >= t.emptyFrames) {
          // It went by without standing still (or was a flicker): nothing to inspect.
          this.state = 'empty'
        } else if (present && this.stillRun >= t.settleFrames) {
          this.state = 'inspected'
          inspect = true
        }
        break
      case 'inspected':
        if (this.emptyRun >= t.emptyFrames) this.state = 'empty'
        break
    }
    return { state: this.state, inspect, beltChange, motion }
  }
}

/** Fraction of pixels whose gray level differs by at least `delta`. */
export function changedFraction(a: ArrayLike<number>, b: ArrayLike<number>, delta: number): number {
  let changed = 0
  for (let i = 0; i < a.length; i++) if (Math.abs(a[i]! - b[i]!) >= delta) changed++
  return a.length > 0 ? changed / a.length : 0
}

function followLight(background: Float32Array, gray: Uint8Array): void {
  for (let i = 0; i < background.length; i++) background[i]! += BACKGROUND_RATE * (gray[i]! - background[i]!)
}

/** RGBA pixels (a canvas's ImageData) to gray levels, BT.601 luma: [height * width]. */
export function grayFromRgba(rgba: ArrayLike<number>, width: number, height: number): Uint8Array {
  const out = new Uint8Array(width * height)
  for (let i = 0, p = 0; i < out.length; i++, p += 4) out[i] = (rgba[p]! * 299 + rgba[p + 1]! * 587 + rgba[p + 2]! * 114) / 1000
  return out
}
