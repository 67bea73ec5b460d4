/**
 * A named float tensor as the engine passes weights around: row-major data with its
 * shape. Parameters keep torchvision's names (`layer1.0.conv1.weight`).
 */
export interface Tensor {
  shape: number[]
  data: Float32Array
}

/** Weights or optimizer state by parameter name, in a stable (insertion) order. */
export type TensorMap = Map<string, Tensor>

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1)
}
