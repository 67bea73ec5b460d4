import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

let gc: (() => void) | null | undefined

/**
 * A full V8 garbage collection now, where the engine knows a lot of external memory has just
 * become garbage: onnxruntime-node returns every output of a training step as a new buffer
 * (the updated parameters and optimizer state, ~90 MB for a full ResNet18), so each step
 * drops the previous step's buffers, and V8 left one or two steps of them uncollected
 * (peak RSS +80 MB, electron/engine/train/README.md). `--expose-gc` set at run time puts
 * `gc` into contexts made afterwards; where that is refused this does nothing.
 */
export function collectGarbage(): void {
  if (gc === undefined) {
    try {
      setFlagsFromString('--expose-gc')
      gc = runInNewContext('gc') as () => void
    } catch {
      gc = null
    }
  }
  gc?.()
}
