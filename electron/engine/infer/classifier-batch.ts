import * as ort from 'onnxruntime-node'
import type { InferenceSession } from './sessions'
import { sessionInputChannels } from './input-channels'

/**
 * One batch through a classifier ONNX model with baked weights (ResNet18 inference graph:
 * input [N, 3, S, S], or [N, 1, S, S] with a one-channel stem -> 'logits' [N, C], optionally 'probabilities' [N, C]). Returns the
 * probabilities, softmaxed here when the model only outputs logits.
 */
export async function runClassifierBatch(session: InferenceSession, x: Float32Array, n: number, size: number): Promise<{ probabilities: Float32Array; classes: number }> {
  // x: [n, C, size, size] float32, C = the model's input channels (sessionInputChannels; the caller preprocesses for it)
  const out = await session.run({ [session.inputNames[0]!]: new ort.Tensor('float32', x, [n, sessionInputChannels(session), size, size]) })
  const probOut = out.probabilities
  // Copied: ORT's output buffers may not be transferable between threads.
  const raw = ((probOut ?? out[session.outputNames[0]!]!).data as Float32Array).slice()
  const classes = raw.length / n
  if (!probOut) for (let i = 0; i < n; i++) softmaxInPlace(raw.subarray(i * classes, (i + 1) * classes))
  return { probabilities: raw, classes }
}

function softmaxInPlace(row: Float32Array): void {
  let max = -Infinity
  for (const v of row) max = Math.max(max, v)
  let sum = 0
  for (let i = 0; i < row.length; i++) {
    row[i] = Math.exp(row[i]! - max)
    sum += row[i]!
  }
  for (let i = 0; i < row.length; i++) row[i]! /= sum
}
