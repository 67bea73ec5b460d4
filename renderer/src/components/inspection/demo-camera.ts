import { DEMO_CAMERA, renderScene, sceneAt, sceneTiming, type SceneRule, type SceneTiming } from '../../../../shared/demo/camera-scene'
import { DEFAULT_INSPECTION_SETTINGS } from '../../../../shared/contract/inspection'

/**
 * The "Demo camera": a generated camera stream of the demo project's own parts passing on a
 * belt (shared/demo/camera-scene.ts), painted into a canvas whose captureStream() the
 * camera loop uses like any camera's stream. It lets a new user see live inspection
 * without a camera.
 */
export const DEMO_CAMERA_ID = 'defect-studio-demo-camera'

/** The continuous mode's defaults, until a session says otherwise (restart). */
const DEFAULT_RULE: SceneRule = DEFAULT_INSPECTION_SETTINGS

export interface DemoCamera {
  stream: MediaStream
  /** The belt starts again, empty, with a takt that suits this rule (a session starts). */
  restart: (rule: SceneRule | null) => void
  stop: () => void
}

export function startDemoCamera(): DemoCamera {
  const canvas = document.createElement('canvas')
  canvas.width = DEMO_CAMERA.width
  canvas.height = DEMO_CAMERA.height
  const ctx = canvas.getContext('2d')!
  let timing: SceneTiming = sceneTiming(DEFAULT_RULE)
  let startedAt = performance.now()
  // A still part, or the empty belt, is the same picture frame after frame: paint it once.
  let last = ''
  const paint = (): void => {
    const scene = sceneAt((performance.now() - startedAt) / 1000, timing)
    if (scene.key === last) return
    last = scene.key
    const img = renderScene(scene)
    const out = ctx.createImageData(img.width, img.height)
    for (let i = 0, p = 0; i < img.width * img.height; i++, p += img.channels) {
      out.data[i * 4] = img.data[p]!
      out.data[i * 4 + 1] = img.data[img.channels === 3 ? p + 1 : p]!
      out.data[i * 4 + 2] = img.data[img.channels === 3 ? p + 2 : p]!
      out.data[i * 4 + 3] = 255
    }
    ctx.putImageData(out, 0, 0)
  }
  paint()
  const timer = setInterval(paint, 1000 / DEMO_CAMERA.fps)
  const stream = canvas.captureStream(DEMO_CAMERA.fps)
  return {
    stream,
    restart: (rule) => {
      timing = sceneTiming(rule ?? DEFAULT_RULE)
      startedAt = performance.now()
      paint()
    },
    stop: () => {
      clearInterval(timer)
      for (const t of stream.getTracks()) t.stop()
    }
  }
}
