import type { Layer, LayerOp } from '../ir'
import { add } from './add'
import { batchNorm } from './batch-norm'
import { conv } from './conv'
import { flatten } from './flatten'
import { gemm } from './gemm'
import { globalAveragePool } from './global-average-pool'
import { maxPool } from './max-pool'
import { relu } from './relu'
import type { LayerRule } from './rule'

/** The rule table: layer kind → forward lowering + gradient. */
const RULES: { [K in LayerOp]: LayerRule<Extract<Layer, { op: K }>> } = {
  Conv: conv,
  BatchNormalization: batchNorm,
  Relu: relu,
  MaxPool: maxPool,
  Add: add,
  GlobalAveragePool: globalAveragePool,
  Flatten: flatten,
  Gemm: gemm
}

export function ruleFor<L extends Layer>(layer: L): LayerRule<L> {
  return RULES[layer.op] as unknown as LayerRule<L>
}

export { DEFAULT_GRADIENT_OPTIONS, type GradientOptions } from './rule'
