import { onBeforeUnmount, ref, shallowRef } from 'vue'
import { DEMO_CAMERA_ID, startDemoCamera, type DemoCamera } from './demo-camera'
import type { SceneRule } from '../../../../shared/demo/camera-scene'
import type { RawFrame } from '../../../../shared/contract/index'
import { translate } from '../../i18n/index'
import type { InputSpec } from '../../../../shared/imaging/input-plan'
import { epochNow } from '../../../../shared/timing/epoch-clock'
import { FramePrepWorker } from './frame-prep-client'
import { prepareFrame } from './frame-prep'

/** Camera states as the screen shows them. 'lost' = the stream ended while in use. */
export type CameraState = 'off' | 'starting' | 'live' | 'lost' | 'error'

export interface CameraResolution {
  width: number
  height: number
}

export const CAMERA_RESOLUTIONS: CameraResolution[] = [
  { width: 640, height: 480 },
  { width: 1280, height: 720 },
  { width: 1920, height: 1080 },
  { width: 2592, height: 1944 }
]

/** One camera frame as the engine takes it: raw pixels and their layout (shared/contract/inspection.ts, RawFrame). */
export interface CameraFrame {
  image: Uint8Array
  raw: RawFrame
}

/** A frame ready to send (prepared for the model where it can be) and when its steps ended (epoch ms). */
export interface GrabbedFrame extends CameraFrame {
  grabbed: number
  prepared: number
}

/**
 * The frame on the video as RGBA through WebCodecs, or null when the video has no frame
 * to give. Rejects when this browser cannot convert a frame to RGBA.
 */
async function grabVideoFrame(video: HTMLVideoElement): Promise<CameraFrame | null> {
  const frame = new VideoFrame(video)
  try {
    const { width, height } = frame.visibleRect ?? { width: frame.displayWidth, height: frame.displayHeight }
    if (width === 0 || height === 0) return null
    const image = new Uint8Array(width * height * 4)
    await frame.copyTo(image, { format: 'RGBA', colorSpace: 'srgb' })
    return { image, raw: { width, height, format: 'rgba' } }
  } finally {
    frame.close()
  }
}

/**
 * Any camera the OS exposes, through getUserMedia: list, choose, resolution. Frames are
 * read from the <video> as raw RGBA pixels (grab) for the engine.
 * Browser mode needs a secure context (localhost, or TLS when exposed): see README.
 */
export function useCamera() {
  const devices = ref<Array<{ deviceId: string; label: string }>>([])
  const state = ref<CameraState>('off')
  const error = ref<string | null>(null)
  const stream = shallowRef<MediaStream | null>(null)
  const actual = ref<CameraResolution | null>(null)
  const canvas = typeof document !== 'undefined' ? document.createElement('canvas') : null
  let context: CanvasRenderingContext2D | null = null
  /** Frames are read through VideoFrame until that fails once. */
  let videoFrames = typeof VideoFrame !== 'undefined'
  /** Frames are read and prepared in a Web Worker until that fails once (frame-prep-worker.ts). */
  let prepWorker: FramePrepWorker | null = videoFrames && typeof Worker !== 'undefined' ? new FramePrepWorker() : null

  // The generated stream of demo parts (demo-camera.ts) is always there, after the real cameras.
  const demoDevice = { deviceId: DEMO_CAMERA_ID, label: translate('inspect.demoCamera') }
  devices.value = [demoDevice]
  let demo: DemoCamera | null = null

  async function listDevices(): Promise<void> {
    if (!navigator.mediaDevices?.enumerateDevices) {
      error.value = 'This page cannot use cameras (not a secure context). Open it on localhost, or over HTTPS when the app is exposed.'
      state.value = 'error'
      return
    }
    const all = await navigator.mediaDevices.enumerateDevices()
    devices.value = [...all.filter((d) => d.kind === 'videoinput').map((d, i) => ({ deviceId: d.deviceId, label: d.label || `Camera ${i + 1}` })), demoDevice]
  }

  async function start(video: HTMLVideoElement, deviceId: string | null, resolution: CameraResolution): Promise<boolean> {
    stop()
    state.value = 'starting'
    error.value = null
    try {
      const generated = deviceId === DEMO_CAMERA_ID ? startDemoCamera() : null
      demo = generated
      const media = generated ? generated.stream : await navigator.mediaDevices.getUserMedia({
        audio: false,
        video: {
          ...(deviceId ? { deviceId: { exact: deviceId } } : {}),
          width: { ideal: resolution.width },
          height: { ideal: resolution.height }
        }
      })
      stream.value = media
      const track = media.getVideoTracks()[0]
      track?.addEventListener('ended', () => {
        if (stream.value === media) state.value = 'lost'
      })
      video.srcObject = media
      await video.play().catch(() => undefined)
      await new Promise<void>((resolve) => {
        if (video.readyState >= 2 && video.videoWidth > 0) resolve()
        else video.addEventListener('loadeddata', () => resolve(), { once: true })
      })
      actual.value = { width: video.videoWidth, height: video.videoHeight }
      state.value = 'live'
      // Labels are only readable once permission was given.
      if (!generated) await listDevices()
      return true
    } catch (e) {
      state.value = 'error'
      error.value = translate('inspect.cameraFailed', { detail: (e as Error).message })
      return false
    }
  }

  function stop(): void {
    demo?.stop()
    demo = null
    for (const t of stream.value?.getTracks() ?? []) t.stop()
    stream.value = null
    if (state.value !== 'error') state.value = 'off'
  }

  /**
   * The current frame as raw RGBA pixels at the camera's resolution, or null when there is
   * none. No JPEG encode: JPEG is lossy and costs a decode and a resize in the engine. The
   * screen then prepares the frame for the model (frame-prep.ts) so that only a few KB cross
   * to the engine, and only a frame that is kept (a FAIL) is ever encoded, losslessly, in
   * the main process (electron/services/inspection/README.md, Frames).
   * Read through WebCodecs' VideoFrame where the browser has it (Chromium converts the camera's YUV to RGBA natively),
   * else through a 2D canvas (drawImage + getImageData).
   */
  async function grab(video: HTMLVideoElement): Promise<CameraFrame | null> {
    if (state.value !== 'live' || video.videoWidth === 0) return null
    if (videoFrames) {
      const frame = await grabVideoFrame(video).catch(() => null)
      if (frame) return frame
      // This browser cannot convert frames to RGBA: the canvas from now on.
      videoFrames = false
    }
    return grabCanvas(video)
  }

  function grabCanvas(video: HTMLVideoElement): CameraFrame | null {
    if (!canvas) return null
    const width = video.videoWidth
    const height = video.videoHeight
    if (canvas.width !== width || canvas.height !== height) {
      canvas.width = width
      canvas.height = height
      context = null
    }
    context ??= canvas.getContext('2d', { willReadFrequently: true })
    if (!context) return null
    context.drawImage(video, 0, 0)
    const pixels = context.getImageData(0, 0, width, height).data
    return { image: new Uint8Array(pixels.buffer, pixels.byteOffset, pixels.byteLength), raw: { width, height, format: 'rgba' } }
  }

  /**
   * The current frame ready to send: read and prepared for `spec` (frame-prep.ts) in the
   * frame worker, off this thread, where the browser can (VideoFrame and module workers);
   * else read and prepared here. The bytes are the same either way (the same code runs).
   */
  async function grabPrepared(video: HTMLVideoElement, spec: InputSpec | null): Promise<GrabbedFrame | null> {
    if (state.value !== 'live' || video.videoWidth === 0) return null
    if (prepWorker) {
      try {
        return await prepWorker.prepare(video, spec)
      } catch {
        // No worker here (or it cannot read this camera's frames): this thread from now on.
        prepWorker.close()
        prepWorker = null
      }
    }
    const frame = await grab(video)
    if (!frame) return null
    const grabbed = epochNow()
    const sent = prepareFrame(frame, spec)
    return { ...sent, grabbed, prepared: epochNow() }
  }

  onBeforeUnmount(() => {
    stop()
    prepWorker?.close()
  })

  /** The demo camera's belt starts again, empty, with a takt that suits the session's rule (no effect on a real camera). */
  function restartDemo(rule: SceneRule | null): void {
    demo?.restart(rule)
  }

  return { devices, state, error, actual, listDevices, start, stop, grab, grabPrepared, restartDemo }
}
