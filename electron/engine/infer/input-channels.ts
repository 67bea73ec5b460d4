import type { InferenceSession } from './sessions'

/**
 * The image channels an open classifier session reads: its first input's dimension 1
 * ([N, C, S, S]). 1 for a model with a one-channel stem (engine/models/resnet.ts), else 3:
 * models built before the one-channel stem, and ONNX files whose input shape is symbolic,
 * read RGB as they always did.
 */
export function sessionInputChannels(session: Pick<InferenceSession, 'inputMetadata'>): 1 | 3 {
  const meta = session.inputMetadata[0]
  return meta && meta.isTensor && meta.shape[1] === 1 ? 1 : 3
}
