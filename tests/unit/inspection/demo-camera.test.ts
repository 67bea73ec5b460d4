import { describe, expect, it } from 'vitest'
import { DEMO_CAMERA, cycleSeconds, kindOfPart, renderScene, sceneAt, sceneTiming, type SceneFrame } from '../../../shared/demo/camera-scene'
import { PRESENCE_FRAME, PartPresence } from '../../../shared/inspection/part-presence'
import { DEFAULT_INSPECTION_SETTINGS, type InspectionSettings } from '../../../shared/contract/inspection'

/**
 * The demo camera's generated stream (shared/demo/camera-scene.ts) shows parts the way the
 * part-presence rule expects them, at the rate the session looks: the belt starts empty,
 * each part slides in, stands still and leaves, so the rule inspects each part exactly
 * once, while it stands still. Looks come late as a busy page's timers do (up to half a look).
 */
function smallGray(img: { data: Uint8Array; width: number; height: number; channels: 1 | 3 }): Uint8Array {
  const { width: w, height: h } = PRESENCE_FRAME
  const fx = img.width / w
  const fy = img.height / h
  const out = new Uint8Array(w * h)
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      let sum = 0
      let n = 0
      for (let yy = Math.floor(y * fy); yy < Math.floor((y + 1) * fy); yy++)
        for (let xx = Math.floor(x * fx); xx < Math.floor((x + 1) * fx); xx++) {
          const p = (yy * img.width + xx) * img.channels
          sum += img.channels === 1 ? img.data[p]! : (img.data[p]! * 299 + img.data[p + 1]! * 587 + img.data[p + 2]! * 114) / 1000
          n++
        }
      out[y * w + x] = sum / n
    }
  return out
}

const grays = new Map<string, Uint8Array>()
const grayOf = (scene: SceneFrame): Uint8Array => {
  let g = grays.get(scene.key)
  if (!g) grays.set(scene.key, (g = smallGray(renderScene(scene))))
  return g
}

/** Which parts the rule inspects over `parts` cycles, looking `rateHz` times a second, each look late by up to half a look. */
function inspectedParts(settings: InspectionSettings, parts: number, seed = 1): number[] {
  const timing = sceneTiming(settings)
  const presence = new PartPresence(settings.presence)
  const inspected: number[] = []
  let jitter = seed
  const late = (): number => ((jitter = (jitter * 16807) % 2147483647) / 2147483647) * 0.5
  const end = timing.start + parts * cycleSeconds(timing)
  for (let t = 0; t < end; t += (1 + late()) / settings.rateHz) {
    // The canvas is repainted at the camera's frame rate: a look sees the last painted frame.
    const scene = sceneAt(Math.floor(t * DEMO_CAMERA.fps) / DEMO_CAMERA.fps, timing)
    const step = presence.step(grayOf(scene), PRESENCE_FRAME.width, PRESENCE_FRAME.height)
    if (step.inspect) {
      expect(scene.centreX).toBe(0.5)
      inspected.push(scene.part)
    }
  }
  return inspected
}

describe('demo camera scene', () => {
  it.each([1, 2, 5, 10])('looking %s times a second, the rule inspects every part once, while it stands still', (rateHz) => {
    const settings = { ...DEFAULT_INSPECTION_SETTINGS, rateHz }
    expect(inspectedParts(settings, 4, rateHz)).toEqual([0, 1, 2, 3])
  })

  it('other part-presence counts set the takt too', () => {
    const settings = { ...DEFAULT_INSPECTION_SETTINGS, rateHz: 3, presence: { ...DEFAULT_INSPECTION_SETTINGS.presence, settleFrames: 8, emptyFrames: 6 } }
    expect(inspectedParts(settings, 3)).toEqual([0, 1, 2])
  })

  it('starts on the empty belt; defects come in turn; the defaults make a part about every 6 s', () => {
    const timing = sceneTiming(DEFAULT_INSPECTION_SETTINGS)
    expect(sceneAt(0, timing).centreX).toBeNull()
    expect(cycleSeconds(timing)).toBeLessThan(7)
    expect([0, 1, 2, 3, 4, 5, 6, 7, 8].map((p) => kindOfPart(p))).toEqual(['good', 'good', 'scratch', 'good', 'good', 'stain', 'good', 'good', 'no-hole'])
    expect(renderScene(sceneAt(0, timing)).width).toBe(DEMO_CAMERA.width)
  })
})
