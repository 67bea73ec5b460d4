import type { OnnxGraph } from '../onnx/graph'
import type { GraphOptimizer } from './optimizer'
import { elementCount } from '../tensor'

/** The value name of the concatenated parameters inside the step graph (never a graph input). */
const FLAT = 'flat.trained_parameters'

/** The shape of an optimizer state tensor in the flat update: [numel of its parameter]. */
export function flatStateShape(paramShape: readonly number[]): number[] {
  return [elementCount(paramShape)]
}

/**
 * The optimizer update of every trained parameter at once, over one flat vector: the
 * parameters, their gradients and each optimizer state are concatenated ([P] float32, P =
 * the trained parameter count), updated by one set of element-wise nodes, and split back
 * into the per-parameter tensors the step outputs. The per-parameter form is ~13 nodes per
 * parameter for AdamW (62 parameters in ResNet18: ~870 optimizer kernels, each a few
 * microseconds of work on a width-0.25 model); flat it is 13 kernels plus one Concat per
 * input and one Split per output, and the Reshapes around them. Measured at width 0.25,
 * 64 px, batch 32: the step 2 % faster, its session opened 28 % faster (fewer nodes for
 * onnxruntime's graph optimisers; electron/engine/train/README.md, "Session 7"). Every
 * element sees the same float operations in the same order either way, so the result is
 * bit-identical (tests/unit/engine/flat-update.test.ts). train-step.ts uses it for small
 * models only: the concatenated copies cost memory at full width.
 *
 * The graph's inputs and outputs stay per parameter (state names as GraphOptimizer.stateNames
 * gives them), so checkpoints and everything reading the step keep their names; each state
 * tensor is flat, though ([numel] of its parameter: flatStateShape), because a Reshape
 * costs as much to dispatch as an element-wise kernel here. The elements are in the same
 * order as the parameter's, so a checkpoint written with parameter-shaped state reads the same.
 *
 * Returns updated value by target name: each parameter and each of its state tensors.
 */
export function emitFlatUpdate(
  g: OnnxGraph,
  optimizer: GraphOptimizer,
  u: { names: string[]; grads: Map<string, string>; shapes: Map<string, number[]>; lr: string; step: string }
): Map<string, string> {
  const { names, grads, shapes } = u
  const concat = (values: string[], output: string) => g.op1('Concat', values, { axis: 0 }, output)
  const flatten = (values: string[], output: string) => concat(values.map((v) => g.op1('Reshape', [v, g.i64([-1])])), output)
  // State k of the flat vector is state k of every parameter, in the same order; the state
  // tensors are flat already (flatStateShape), which saves a Reshape each way.
  const flatStates = optimizer.stateNames(FLAT)
  const statesOf = (name: string) => optimizer.stateNames(name)
  flatten(names, FLAT)
  flatStates.forEach((flatState, k) => concat(names.map((n) => statesOf(n)[k]!), flatState))
  const flatGrad = flatten(names.map((n) => grads.get(n)!), 'flat.gradients')
  const updated = optimizer.emitUpdate(g, { param: FLAT, grad: flatGrad, lr: u.lr, step: u.step })

  const sizes = g.i64(names.map((n) => elementCount(shapes.get(n)!)))
  const out = new Map<string, string>()
  for (const [target, value] of updated) {
    const k = flatStates.indexOf(target)
    if (target !== FLAT && k < 0) throw new Error(`The optimizer updated "${target}", which is neither the flat parameters nor one of their states.`)
    const targets = names.map((n) => (target === FLAT ? n : statesOf(n)[k]!))
    const parts = names.length === 1 ? [value] : g.op('Split', [value, sizes], { axis: 0 }, names.length)
    parts.forEach((part, i) => out.set(targets[i]!, target === FLAT ? g.op1('Reshape', [part, g.i64(shapes.get(names[i]!)!)]) : part))
  }
  return out
}
