import type { HandlerMap } from '../router'
import { UserFacingError } from '../errors'
import { FileAccess } from '../file-access'
import { MAX_IMAGE_FILE_BYTES, MAX_WEIGHTS_BYTES } from '../../engine/models/read-limited'
import { BackboneDownloadError } from '../../engine/models/backbones'
import { WeightsError } from '../../engine/models/weights'
import { PreprocessError } from '../../imaging/preprocess'
import { toPredictionDto, type EngineService } from '../engine-service'

/**
 * Router handlers for the engine domain. Expected failures (bad weights file, download
 * problems, undecodable images) become UserFacingError so the UI shows their message.
 */
export function engineHandlers(deps: { engine: EngineService; files?: FileAccess }): HandlerMap {
  const { engine } = deps
  const files = deps.files ?? new FileAccess(null)
  return {
    'engine:info': () => engine.info(),
    'engine:weights-download': ({ url }) => userFacing(() => engine.downloadWeights({ url })),
    'engine:weights-import': async ({ file }) => {
      await files.fileToRead(file, 'The weights file', MAX_WEIGHTS_BYTES)
      return userFacing(() => engine.importWeights(file))
    },
    'engine:predict': async ({ weightsFile, images, size, fit, heatmap }) => {
      await files.fileToRead(weightsFile, 'The weights file', MAX_WEIGHTS_BYTES)
      for (const image of images) await files.fileToRead(image, 'The image', MAX_IMAGE_FILE_BYTES)
      const results = await userFacing(() => engine.predictFiles({ weightsFile, images, size, fit, heatmap }))
      return { results: results.map((r, i) => toPredictionDto(images[i]!, r)) }
    }
  }
}

async function userFacing<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn()
  } catch (error) {
    // Errors from the worker keep their class name but not their prototype.
    const name = (error as Error)?.name
    if (error instanceof WeightsError || error instanceof BackboneDownloadError || error instanceof PreprocessError || name === 'WeightsError' || name === 'PreprocessError' || name === 'SafetensorsError') {
      throw new UserFacingError('failed', (error as Error).message)
    }
    throw error
  }
}
