import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import type { TensorMap } from '../tensor'
import { loadBackbone, type BackboneDirs } from './backbones'
import { initResnet18Weights } from './resnet'
import { parseResnetWeights, WeightsError } from './weights'

/**
 * The one place that decides which ResNet18 weights a run (classifier full or quick,
 * anomaly) starts from, and the one id that names them. The id is a cache key (cached
 * embeddings, see train/quick-head.ts) and a gate key (an active quick model's head is
 * reused only on the same backbone), so every caller must get the same id for the same
 * weights:
 *   `<source>:<first 16 hex of the file's SHA-256>`   source = file | imported | imagenet | bundled
 *   `random:w<width>:s<seed>`                          torchvision's random initialisation
 */

/** Weights to start from, fc included (any class count: callers replace it). */
export interface StartingBackbone {
  weights: TensorMap
  /** ResNet width multiplier (1 = torchvision). */
  width: number
  id: string
  /** Shown to the user (random initialisation lowers accuracy). */
  warning?: string
}

export interface StartingBackboneRequest {
  /** Seed for random initialisation. */
  seed: number
  /** A reduced width (tests, benches): random initialisation at that width. */
  width?: number
  /** A ResNet18 .safetensors file chosen for this run. */
  weightsFile?: string
  /** Weights already in memory (tests, benches); used as given. */
  backbone?: StartingBackbone
  /** The app's folders: needed only when the app's own backbone is used. */
  dirs?: BackboneDirs
}

const ID_HEX = 16

/** Id of random-initialised weights: they depend on width and seed only. */
export function randomBackboneId(width: number, seed: number): string {
  return `random:w${width}:s${seed}`
}

/** Resolve the starting weights in the order: in memory, file, reduced width, the app's backbone. */
export async function resolveStartingBackbone(req: StartingBackboneRequest): Promise<StartingBackbone> {
  if (req.backbone) return req.backbone
  if (req.weightsFile) {
    let bytes: Uint8Array
    try {
      bytes = await readFile(req.weightsFile)
    } catch (error) {
      throw new WeightsError(req.weightsFile, `cannot read the weights file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}). Check the path.`)
    }
    const { weights, width } = parseResnetWeights(bytes, req.weightsFile)
    return { weights, width, id: `file:${sha256Hex(bytes).slice(0, ID_HEX)}` }
  }
  const width = req.width ?? 1
  if (width !== 1) return { weights: initResnet18Weights({ numClasses: 1000, width, seed: req.seed }), width, id: randomBackboneId(width, req.seed) }
  if (!req.dirs) throw new Error('resolveStartingBackbone: the app folders (dirs) are needed to find the full-size backbone.')
  const { info, weights } = await loadBackbone(req.dirs, { seed: req.seed })
  if (info.source === 'random') return { weights, width: 1, id: randomBackboneId(1, req.seed), ...(info.warning ? { warning: info.warning } : {}) }
  const sha = info.sha256 ?? (info.file ? sha256Hex(await readFile(info.file)) : '?')
  return { weights, width: 1, id: `${info.source}:${sha.slice(0, ID_HEX)}` }
}

function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex')
}
