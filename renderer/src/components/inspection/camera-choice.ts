import type { Ref } from 'vue'
import { storedPreference } from '../../composables/preference'
import { CAMERA_RESOLUTIONS, type CameraResolution } from './use-camera'

/**
 * The camera and resolution chosen for live inspection, one choice for the Inspect screen
 * and the line view (an engineer picks the camera, the operator view then uses it), kept
 * across reloads. '' is the default camera. 1280×720 by default, as the line view asked before
 * the choice was shared (its large picture); the engine only needs the model's size.
 */
export interface CameraChoice {
  deviceId: Ref<string>
  resolutionIndex: Ref<string>
}

let choice: CameraChoice | null = null

export function useCameraChoice(): CameraChoice {
  choice ??= {
    // A device id is an opaque string the browser gave; anything sane-sized is kept.
    deviceId: storedPreference<string>('ds.camera.device', (raw) => raw.length <= 512, ''),
    resolutionIndex: storedPreference<string>('ds.camera.resolution', CAMERA_RESOLUTIONS.map((_, i) => String(i)), '1')
  }
  return choice
}

/** What `useCamera().start` takes for the current choice. */
export function chosenCamera(c: CameraChoice): { deviceId: string | null; resolution: CameraResolution } {
  return { deviceId: c.deviceId.value || null, resolution: CAMERA_RESOLUTIONS[Number(c.resolutionIndex.value)] ?? CAMERA_RESOLUTIONS[0]! }
}
