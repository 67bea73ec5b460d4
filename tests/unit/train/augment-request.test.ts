import { describe, expect, it } from 'vitest'
import { TrainRequest } from '../../../shared/contract/training'
import { augmentFromSwitches, DEFAULT_AUGMENT } from '../../../electron/engine/train/augment'

describe('augmentation switches from the training screen', () => {
  it('turns each switch into the trainer setting it controls; off means zero strength', () => {
    expect(augmentFromSwitches({ colorJitter: false, rotation: false })).toEqual({ brightness: 0, contrast: 0, saturation: 0, rotationDegrees: 0 })
    expect(augmentFromSwitches({ randomResizedCrop: false, horizontalFlip: false })).toEqual({ randomResizedCrop: false, horizontalFlip: false })
    expect(augmentFromSwitches({ rotation: true, colorJitter: true })).toEqual({
      rotationDegrees: DEFAULT_AUGMENT.rotationDegrees,
      brightness: DEFAULT_AUGMENT.brightness,
      contrast: DEFAULT_AUGMENT.contrast,
      saturation: DEFAULT_AUGMENT.saturation
    })
    expect(augmentFromSwitches({})).toEqual({})
  })

  it('refuses unknown or mistyped switches in the request', () => {
    expect(TrainRequest.safeParse({ mode: 'full', augment: { rotation: false } }).success).toBe(true)
    expect(TrainRequest.safeParse({ mode: 'full', augment: { mixup: true } }).success).toBe(false)
    expect(TrainRequest.safeParse({ mode: 'full', augment: { rotation: 'no' } }).success).toBe(false)
  })
})
