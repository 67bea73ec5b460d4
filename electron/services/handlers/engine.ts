import type { HandlerMap } from '../router'
import { FileAccess } from '../file-access'
import { MAX_IMAGE_FILE_BYTES, MAX_WEIGHTS_BYTES } from '../../engine/models/read-limited'
import { toPredictionDto, type EngineService } from '../engine-service'

/**
 * Router handlers for the engine domain. Expected failures (bad weights file, download
 * problems, undecodable images) reach the UI with their message and code through the
 * router's one error mapping (../error-codes.ts).
 */
export function engineHandlers(deps: { engine: EngineService; files?: FileAccess }): HandlerMap {
  const { engine } = deps
  const files = deps.files ?? new FileAccess(null)
  return {
    'engine:info': () => engine.info(),
    'engine:weights-download': ({ url }) => engine.downloadWeights({ url }),
    'engine:weights-import': async ({ file }) => {
      await files.fileToRead(file, 'The weights file', MAX_WEIGHTS_BYTES)
      return engine.importWeights(file)
    },
    'engine:predict': async ({ weightsFile, images, size, fit, heatmap }) => {
      await files.fileToRead(weightsFile, 'The weights file', MAX_WEIGHTS_BYTES)
      for (const image of images) await files.fileToRead(image, 'The image', MAX_IMAGE_FILE_BYTES)
      const results = await engine.predictFiles({ weightsFile, images, size, fit, heatmap })
      return { results: results.map((r, i) => toPredictionDto(images[i]!, r)) }
    }
  }
}
