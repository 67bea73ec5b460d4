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
 * - 'every-frame': sends every frame, at most two in flight (latest wins in the main process).
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

export function useContinuousInspection(opts: ContinuousInspectionOptions) {
  /** What the part-presence rule sees now (null when it is not in use). */
  const presence = ref<PresenceState | null>(null)
  let timer: ReturnType<typeof setInterval> | null = null
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
    }
    timer = setInterval(tick, 1000 / s.rateHz)
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
