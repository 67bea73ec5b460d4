import type { MaxPoolLayer, Net, ReluLayer } from './ir'

/**
 * Relu → MaxPool rewritten as MaxPool → Relu, in place. The values are equal (max commutes
 * with the monotone relu; MaxPool pads with −∞) and so are the gradients: where a window's
 * maximum is positive, its first maximum is at the same position in x as in relu(x) and
 * relu' there is 1 = [pooled > 0]; where it is ≤ 0 both routes give 0 (torch's relu' at 0
 * is 0, as relu.ts). Training the stem, this keeps neither the full-resolution relu output
 * for the backward nor runs relu and its gradient at full resolution: both happen on the
 * pooled map, a quarter of the size (ResNet's 3×3/2 pool after the stem's relu).
 *
 * `swap(pool)` says for which pools (e.g. only those whose backward is emitted). The layers
 * keep their names; the pool's output value keeps its name (downstream layers read it) and
 * the relu's old output disappears.
 */
export function poolBeforeRelu(net: Net, swap: (pool: MaxPoolLayer) => boolean): void {
  const consumers = new Map<string, number>()
  for (const l of net.layers) for (const i of l.inputs) consumers.set(i, (consumers.get(i) ?? 0) + 1)
  for (let i = 0; i + 1 < net.layers.length; i++) {
    const relu = net.layers[i]!
    const pool = net.layers[i + 1]!
    if (relu.op !== 'Relu' || pool.op !== 'MaxPool' || pool.inputs[0] !== relu.output || consumers.get(relu.output) !== 1) continue
    if ([...net.marks.values()].includes(relu.output) || !swap(pool)) continue
    const pooled = `${pool.name}.before_relu`
    const newPool: MaxPoolLayer = { ...pool, inputs: [relu.inputs[0]], output: pooled }
    const newRelu: ReluLayer = { ...relu, inputs: [pooled], output: pool.output }
    net.values.set(pooled, [...net.shapeOf(pool.output)])
    net.values.delete(relu.output)
    net.layers.splice(i, 2, newPool, newRelu)
  }
}
