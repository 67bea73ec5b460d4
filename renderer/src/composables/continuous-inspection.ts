import { onBeforeUnmount, ref } from 'vue'
import type { InspectionSettings } from '../../../shared/contract/index'
import { PRESENCE_FRAME, PartPresence, grayFromRgba, type PresenceState } from '../../../shared/inspection/part-presence'

/**
 * The camera loop of continuous mode, shared by the Inspect screen and the operator view.
 * At `rateHz` it either
 * - 'part-presence' (the default): looks at a 64×48 gray copy of the video and sends ONE
 *   frame per part, when the part stands still after the empty belt (the rule:
 *   shared/inspection/part-presence.ts). That frame is sent as triggered: a part that must
 *   get a verdict is never dropped;
 * - 'every-frame': sends every camera frame it can: exactly one frame in flight, and the next
 *   one is the NEWEST frame the video presented, taken as soon as the previous verdict came
 *   back (or, when that frame was already sent, as soon as the video presents the next one:
 *   requestVideoFrameCallback). No frame is sent twice, none waits in the main process behind
 *   another (a second frame in flight would only queue there: bench/inspect-ui.ts, stage
 *   "queue"), and no timer adds its phase to the latency. Camera frames not sent are the
 *   dropped ones the bench counts. Never more than `rateHz` frames a second on average.
 *   Where the video has no frame callbacks, a timer at `rateHz` sends while none is in flight.
 */
export interface ContinuousInspectionOptions {
  settings: () => InspectionSettings | null
  /** The session runs from the camera and is not paused. */
  running: () => boolean
  video: () => HTMLVideoElement | null
  cameraLive: () => boolean
  framesInFlight: () => number
  send: (triggered: boolean) => Promise<void>
}

/**
 * Frames of the every-frame loop in flight at once. One: a second frame would only wait in
 * the main process behind the first (stage "queue" of bench/inspect-ui.ts) while the screen
 * spends its thread preparing it.
 */
const EVERY_FRAME_IN_FLIGHT = 1

export function useContinuousInspection(opts: ContinuousInspectionOptions) {
  /** What the part-presence rule sees now (null when it is not in use). */
  const presence = ref<PresenceState | null>(null)
  let timer: ReturnType<typeof setInterval> | null = null
  /** The every-frame loop's generation: stop() ends a running loop by changing it. */
  let loopGeneration = 0
  let key = ''
  let machine: PartPresence | null = null
  const small = typeof document !== 'undefined' ? document.createElement('canvas') : null
  if (small) {
    small.width = PRESENCE_FRAME.width
    small.height = PRESENCE_FRAME.height
  }

  function stop(): void {
    if (timer) clearInterval(timer)
    timer = null
    loopGeneration++
    key = ''
    machine = null
    presence.value = null
  }

  /**
   * Start, stop or keep the loop as the settings and the session say. Safe to call on every
   * status change: the loop (and what the presence rule has learnt) is only replaced when
   * the rule, the rate or the running state changed.
   */
  function sync(): void {
    const s = opts.settings()
    const on = Boolean(s && s.triggerMode === 'continuous' && opts.running())
    const next = on && s ? `${s.continuousRule}@${s.rateHz}` : ''
    if (s && machine) machine.setThresholds(s.presence)
    if (next === key) return
    stop()
    if (!on || !s) return
    key = next
    if (s.continuousRule === 'part-presence') {
      machine = new PartPresence(s.presence)
      presence.value = 'learning'
    } else if (typeof HTMLVideoElement !== 'undefined' && 'requestVideoFrameCallback' in HTMLVideoElement.prototype) {
      void everyFrame(++loopGeneration, 1000 / s.rateHz)
      return
    }
    timer = setInterval(tick, 1000 / s.rateHz)
  }

  /**
   * The every-frame loop (see the top): at most EVERY_FRAME_IN_FLIGHT frames in flight, each
   * the newest presented one. `presented` counts the video's frames (requestVideoFrameCallback's
   * presentedFrames); `sentFrame` is the count when the last frame was taken, so a frame is
   * never sent twice.
   */
  async function everyFrame(generation: number, intervalMs: number): Promise<void> {
    let presented = 0
    let sentFrame = -1
    let due = 0
    let inFlight = 0
    let wake: (() => void) | null = null
    const poke = (): void => {
      const w = wake
      wake = null
      w?.()
    }
    let watched: HTMLVideoElement | null = null
    const watch = (video: HTMLVideoElement): void => {
      const onFrame = (_now: number, meta: VideoFrameCallbackMetadata): void => {
        if (generation !== loopGeneration || watched !== video) return
        presented = meta.presentedFrames
        poke()
        video.requestVideoFrameCallback(onFrame)
      }
      video.requestVideoFrameCallback(onFrame)
    }
    // Woken by a new video frame or an answer; re-checked at least every 100 ms (the camera may have been swapped).
    const waitForChange = (ms = 100): Promise<void> => new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms)
      wake = () => {
        clearTimeout(timer)
        resolve()
      }
    })
    while (generation === loopGeneration) {
      const video = opts.video()
      if (video !== watched) {
        watched = video
        if (video) watch(video)
      }
      if (!video || !opts.cameraLive() || presented === sentFrame || inFlight >= EVERY_FRAME_IN_FLIGHT) {
        await waitForChange()
        continue
      }
      // The rate setting as an average: a frame may come up to a quarter interval early (camera jitter).
      const now = performance.now()
      if (now < due - intervalMs / 4) {
        await waitForChange(due - intervalMs / 4 - now)
        continue
      }
      due = Math.max(due, now - intervalMs) + intervalMs
      sentFrame = presented
      inFlight++
      void opts
        .send(false)
        .catch(() => undefined)
        .finally(() => {
          inFlight--
          poke()
        })
    }
  }

  function tick(): void {
    if (!opts.cameraLive()) return
    if (!machine) {
      if (opts.framesInFlight() < 2) void opts.send(false)
      return
    }
    const gray = sampleGray()
    if (!gray) return
    const step = machine.step(gray, PRESENCE_FRAME.width, PRESENCE_FRAME.height)
    presence.value = step.state
    if (step.inspect) void opts.send(true)
  }

  function sampleGray(): Uint8Array | null {
    const video = opts.video()
    const ctx = small?.getContext('2d', { willReadFrequently: true })
    if (!video || !ctx || video.videoWidth === 0) return null
    ctx.drawImage(video, 0, 0, PRESENCE_FRAME.width, PRESENCE_FRAME.height)
    return grayFromRgba(ctx.getImageData(0, 0, PRESENCE_FRAME.width, PRESENCE_FRAME.height).data, PRESENCE_FRAME.width, PRESENCE_FRAME.height)
  }

  /** Learn the empty belt again (e.g. after the camera was moved). */
  function relearn(): void {
    if (!machine) return
    machine.reset()
    presence.value = 'learning'
  }

  onBeforeUnmount(stop)
  return { presence, sync, stop, relearn }
}
