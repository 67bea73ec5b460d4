import type { FrameTrace } from '../shared/timing/frame-stages'

/**
 * What bench/inspect-ui.ts runs in the page before the app loads (as a script, so it needs
 * no DOM types here): it watches the verdict element and the camera's <video>.
 *
 * - A verdict is "painted" at the first animation frame after the verdict element got a new
 *   part id; its latency is that time minus the capture time the element carries
 *   (data-captured-at: the record's time, which is the frame's capturedAt). Two verdicts
 *   before one paint: the first is counted as superseded (never on screen).
 * - Camera frames: requestVideoFrameCallback on the screen's video, counted while recording.
 * - Frame bytes: binary WebSocket messages the page sends while recording (camera frames are
 *   the only binary messages it sends), counted and summed, so the bench says what crossed.
 * - Frame traces: the screen's per-frame stage times (renderer/src/components/inspection/
 *   frame-trace.ts, with the main process's FrameTiming), read at the end, for the breakdown.
 * Times are Date.now(), the clock the screen stamps frames with; `painted` also carries the
 * sub-ms epoch time (performance.timeOrigin + now) the stage times use.
 */
export interface ProbeReport {
  painted: Array<{ part: string; capturedAt: number; paintedAt: number; paintedEpoch: number }>
  traces: FrameTrace[]
  superseded: number
  cameraFrames: number
  /** Binary messages sent by the page while recording, and their bytes. */
  binarySent: number
  binaryBytes: number
}

export const PAGE_PROBE = `(() => {
  const state = { recording: false, painted: [], superseded: 0, cameraFrames: 0, binarySent: 0, binaryBytes: 0, lastPart: null, pending: null, frameScheduled: false }
  const send = WebSocket.prototype.send
  WebSocket.prototype.send = function (data) {
    if (state.recording && typeof data !== 'string') {
      state.binarySent++
      state.binaryBytes += data.byteLength ?? data.size ?? 0
    }
    return send.call(this, data)
  }
  const onPaint = () => {
    state.frameScheduled = false
    const p = state.pending
    state.pending = null
    if (p && state.recording) state.painted.push({ part: p.part, capturedAt: p.capturedAt, paintedAt: Date.now(), paintedEpoch: performance.timeOrigin + performance.now() })
  }
  const check = () => {
    const el = document.querySelector('[data-testid="inspect-verdict"]')
    const part = el && el.getAttribute('data-part-id')
    if (!el || !part || part === state.lastPart) return
    state.lastPart = part
    if (state.pending && state.recording) state.superseded++
    state.pending = { part, capturedAt: Date.parse(el.getAttribute('data-captured-at') || '') }
    if (!state.frameScheduled) {
      state.frameScheduled = true
      requestAnimationFrame(onPaint)
    }
  }
  window.__inspectBench = {
    begin() {
      state.painted = []
      state.superseded = 0
      state.cameraFrames = 0
      state.binarySent = 0
      state.binaryBytes = 0
      state.recording = true
    },
    end() {
      state.recording = false
      const trace = window.__defectStudioFrameTrace
      return { painted: state.painted, traces: trace ? trace.frames() : [], superseded: state.superseded, cameraFrames: state.cameraFrames, binarySent: state.binarySent, binaryBytes: state.binaryBytes }
    },
    watchVideo() {
      const video = document.querySelector('[data-testid="inspect-video"]')
      if (!video || !video.requestVideoFrameCallback) return false
      const tick = () => {
        if (state.recording) state.cameraFrames++
        video.requestVideoFrameCallback(tick)
      }
      video.requestVideoFrameCallback(tick)
      return true
    }
  }
  const start = () => new MutationObserver(check).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-part-id'] })
  if (document.body) start()
  else document.addEventListener('DOMContentLoaded', start)
})()`
