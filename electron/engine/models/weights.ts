import { MAX_WEIGHTS_BYTES, ReadLimitError, readRegularFile } from './read-limited'
import type { TensorMap } from '../tensor'
import { resnet18ParamShapes, type InputChannels } from './resnet'
import { readSafetensorsWithMetadata, SafetensorsError } from './safetensors'

/**
 * Loading ResNet18 weights that PyTorch users already have: torchvision's state_dict or
 * timm's `resnet18.*` checkpoints, saved as .safetensors. Both use the same parameter
 * names for ResNet18 (conv1, bn1, layer1.0.conv1, ..., fc); what differs between sources
 * is prefixes and the classifier's name:
 *   `module.`      from DataParallel/DistributedDataParallel checkpoints
 *   `model.`       from Lightning / timm training wrappers (also `state_dict.`)
 *   `head.fc.`     timm models whose classifier lives in a head module
 *   `num_batches_tracked` BatchNorm counters: not weights, ignored.
 * Everything is renamed to torchvision's names and checked against resnet18ParamShapes.
 */

export class WeightsError extends Error {
  constructor(
    readonly file: string,
    reason: string
  ) {
    super(`${file}: ${reason}`)
    this.name = 'WeightsError'
  }
}

const PREFIXES = ['module.', 'model.', 'state_dict.', '_orig_mod.']
const FLOAT_DTYPES = new Set(['F32', 'F16', 'BF16', 'F64'])

/** Torchvision name for a tensor name from torchvision, timm or a wrapped checkpoint. */
export function toTorchvisionName(name: string): string {
  let n = name
  for (let changed = true; changed; ) {
    changed = false
    for (const p of PREFIXES) {
      if (n.startsWith(p)) {
        n = n.slice(p.length)
        changed = true
      }
    }
  }
  if (n.startsWith('head.fc.')) n = n.slice('head.'.length)
  return n
}

/** Read and validate a ResNet18 .safetensors file (torchvision or timm names). */
export async function loadResnetWeights(file: string): Promise<ReturnType<typeof parseResnetWeights>> {
  let bytes: Uint8Array
  try {
    bytes = await readRegularFile(file, MAX_WEIGHTS_BYTES, 'the weights file')
  } catch (error) {
    throw new WeightsError(file, error instanceof ReadLimitError ? error.reason : 'cannot read the weights file. Check the path.')
  }
  return parseResnetWeights(bytes, file)
}

/**
 * The safetensors metadata key of a model saved with test-time flips ('4': the mean of four
 * views, engine/onnx/flip-average.ts); whoever builds an inference model from the weights
 * wraps it the same way.
 */
export const TEST_TIME_FLIPS_METADATA = 'testTimeFlips'

/** Validate ResNet18 weights given as .safetensors bytes; `label` names the source in errors. */
export function parseResnetWeights(bytes: Uint8Array, label = 'weights'): { weights: TensorMap; numClasses: number; width: number; inputChannels: InputChannels; testTimeFlips: boolean } {
  let parsed
  try {
    parsed = readSafetensorsWithMetadata(bytes)
  } catch (error) {
    if (error instanceof SafetensorsError) throw new WeightsError(label, error.message)
    throw error
  }
  return { ...normalizeResnetWeights(parsed.tensors, label, parsed.dtypes), testTimeFlips: parsed.metadata[TEST_TIME_FLIPS_METADATA] === '4' }
}

/**
 * Rename to torchvision names, drop ignored tensors, infer numClasses (fc rows) and the
 * width multiplier (conv1 has 64·width filters), then check every name and shape against
 * resnet18ParamShapes. Errors name the offending tensor and say what was expected.
 */
export function normalizeResnetWeights(
  tensors: TensorMap,
  label = 'weights',
  dtypes?: Map<string, string>
): { weights: TensorMap; numClasses: number; width: number; inputChannels: InputChannels } {
  const renamed: TensorMap = new Map()
  for (const [name, t] of tensors) {
    const tv = toTorchvisionName(name)
    if (tv.endsWith('num_batches_tracked')) continue
    const dtype = dtypes?.get(name)
    if (dtype && !FLOAT_DTYPES.has(dtype)) {
      throw new WeightsError(label, `tensor "${name}" has dtype ${dtype}; weights must be floating point (F32, F16, BF16 or F64).`)
    }
    if (renamed.has(tv)) throw new WeightsError(label, `tensor "${name}" maps to "${tv}", which appears twice. Save only one model's state_dict.`)
    renamed.set(tv, t)
  }
  const fc = renamed.get('fc.weight')
  const conv1 = renamed.get('conv1.weight')
  if (!conv1) throw new WeightsError(label, 'missing tensor "conv1.weight": this does not look like a ResNet18 state_dict (torchvision or timm names expected).')
  if (!fc) throw new WeightsError(label, 'missing tensor "fc.weight" (the classifier; timm names it "fc" or "head.fc"). Save the model with its classifier.')
  if (fc.shape.length !== 2) throw new WeightsError(label, `tensor "fc.weight" has shape [${fc.shape.join(', ')}], expected [classes, features].`)
  const numClasses = fc.shape[0]!
  const width = conv1.shape[0]! / 64
  // A one-channel stem (models trained on all-grey projects) reads [out, 1, 7, 7]; any other count is checked as RGB.
  const inputChannels: InputChannels = conv1.shape[1] === 1 ? 1 : 3
  if (!(numClasses >= 1)) throw new WeightsError(label, 'tensor "fc.weight" has no rows (0 classes).')
  const expected = resnet18ParamShapes({ numClasses, width, inputChannels }).filter((p) => !p.name.endsWith('num_batches_tracked'))
  const weights: TensorMap = new Map()
  for (const { name, shape } of expected) {
    const t = renamed.get(name)
    if (!t) throw new WeightsError(label, `missing tensor "${name}" (expected shape [${shape.join(', ')}] for a ResNet18 with ${numClasses} classes, width ${width}).`)
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new WeightsError(label, `tensor "${name}" has shape [${t.shape.join(', ')}], expected [${shape.join(', ')}] (ResNet18, ${numClasses} classes, width ${width}). Is this a ResNet18 checkpoint?`)
    }
    weights.set(name, t)
  }
  const extra = [...renamed.keys()].filter((n) => !weights.has(n))
  if (extra.length > 0) {
    throw new WeightsError(label, `unexpected tensor${extra.length > 1 ? 's' : ''} ${extra.slice(0, 5).map((n) => `"${n}"`).join(', ')}${extra.length > 5 ? ` and ${extra.length - 5} more` : ''}: not part of a torchvision/timm ResNet18. Is this another architecture?`)
  }
  return { weights, numClasses, width, inputChannels }
}
