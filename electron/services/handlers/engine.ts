import { existsSync } from 'node:fs'
import type { HandlerMap } from '../router'
import { UserFacingError } from '../errors'
import { BackboneDownloadError } from '../../engine/models/backbones'
import { WeightsError } from '../../engine/models/weights'
import { PreprocessError } from '../../imaging/preprocess'
import { toPredictionDto, type EngineService } from '../engine-service'

/**
 * Router handlers for the engine domain. Expected failures (bad weights file, download
 * problems, undecodable images) become UserFacingError so the UI shows their message.
 */
export function engineHandlers(deps: { engine: EngineService }): HandlerMap {
  const { engine } = deps
  return {
    'engine:info': () => engine.info(),
    'engine:weights-download': ({ url }) => userFacing(() => engine.downloadWeights({ url })),
    'engine:weights-import': ({ file }) => {
      if (!existsSync(file)) throw new UserFacingError('not-found', `${file} was not found. Choose an existing .safetensors file.`)
      return userFacing(() => engine.importWeights(file))
    },
    'engine:predict': async ({ weightsFile, images, size, fit, heatmap }) => {
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
