import { emitBackward, planBackward } from '../autodiff/backward'
import { emitSoftmaxCrossEntropy } from '../autodiff/softmax-cross-entropy'
import { resnet18Net } from '../models/resnet'
import { emitForward } from '../nn/forward'
import { poolBeforeRelu } from '../nn/pool-before-relu'
import type { GradientOptions } from '../nn/layers'
import { OnnxGraph } from '../onnx/graph'
import { adamw, emitFlatUpdate, flatStateShape, sgd, type GraphOptimizer } from '../optim'
import { elementCount } from '../tensor'

/**
 * One training step of ResNet18 as a single ONNX graph: forward, loss, backward of the
 * trainable layers only, and the optimizer update. Every parameter, optimizer state and BN
 * running statistic is a graph input named exactly by its name; their new values are
 * outputs named by `outputs.updated(name)`. Feed each step's outputs back as the next
 * step's inputs.
 *
 * BatchNorm: frozen layers run in eval mode (running statistics, never updated); trainable
 * layers use batch statistics and output updated running statistics (momentum 0.1,
 * unbiased variance, as torch).
 *
 * The last partial batch: PAD it to `batch` and give the padded samples sample weight 0.
 * A zero-weight sample is excluded from the loss AND from every batch statistic (BN means,
 * variances and the running-stat update, whose count is Σ mask · H · W), so a padded batch
 * trains exactly like the smaller batch would (checked against PyTorch on the smaller
 * batch in tests/unit/engine/train-step.test.ts). No second session is needed. What the
 * padded images contain does not matter (zeros are fine); their logits are meaningless.
 */

export type FreezePreset = 'head' | 'last-stage' | 'all-but-stem' | 'none'

export interface TrainStepOptions {
  numClasses: number
  width?: number
  /** Square input side in pixels. */
  size: number
  /** Image channels (3 default; 1 for a one-channel stem, engine/models/resnet.ts). */
  inputChannels?: 1 | 3
  batch: number
  /** 'head': fc only; 'last-stage': layer4 + fc; 'all-but-stem' (default for fine-tuning): all but conv1/bn1; 'none': everything. */
  freeze: FreezePreset
  optimizer: 'sgd' | 'adamw'
  /** SGD momentum (default 0.9). */
  momentum?: number
  /** Default 0 for SGD (the torchvision fine-tuning recipe), 0.01 for AdamW (torch's default). */
  weightDecay?: number
  /** AdamW betas (default [0.9, 0.999]). */
  betas?: [number, number]
  /** AdamW eps (default 1e-8). */
  eps?: number
  labelSmoothing?: number
  /** Alternative gradient formulations (e.g. for GPU providers). */
  gradient?: Partial<GradientOptions>
  /**
   * Update all trained parameters as one flat vector (optim/flat-update.ts: bit-identical,
   * far fewer kernels) instead of one set of nodes per parameter. Default: for up to
   * FLAT_UPDATE_MAX_PARAMETERS trained parameters.
   */
  flatUpdate?: boolean
  /** Also output each trainable parameter's gradient as 'grad.<name>' (tests, diagnostics). */
  exposeGradients?: boolean
}

export interface TrainStepGraph {
  model: Uint8Array
  trainableNames: string[]
  frozenNames: string[]
  /** Optimizer state, e.g. 'momentum.layer4.0.conv1.weight'; start from zeros. Flat ([numel] of the parameter) with flatUpdate. */
  stateNames: string[]
  /** BN running statistics updated by the step. */
  bufferNames: string[]
  /**
   * Bytes of every layer output of the forward pass ([N, …] float32 each): the order of
   * the step's peak working memory (its arena), which the trainer uses to decide whether to
   * release the session between epochs (StepSession.holdsLargeArena).
   */
  activationBytes: number
  /** Shapes of every param, frozen tensor, state and buffer by name. */
  shapes: Map<string, number[]>
  inputs: {
    images: 'images' // [N, 3, S, S] float32, ImageNet-normalised ([N, 1, S, S] grey with inputChannels 1)
    labels: 'labels' // [N] int64
    sampleWeights: 'sample_weights' // [N] float32; 0 masks padding
    classWeights: 'class_weights' // [C] float32
    lr: 'lr' // [1] float32
    step: 'step' // [1] float32, 1-based (AdamW bias correction; ignored by SGD)
  }
  outputs: {
    loss: 'loss' // [] float32
    logits: 'logits' // [N, C] float32
    updated: (name: string) => string
    gradient: (name: string) => string
  }
}

/**
 * The flat update pays off where kernel dispatch dominates a small step (a width-0.25 model:
 * 0.7 M parameters) and costs memory where the model is large: its concatenated copies
 * raised the peak RSS of a full ResNet18 step at 224 px, batch 32, by 200 MB (all-but-stem,
 * 1011 → 1208 MB) and 290 MB (none, 1352 → 1640 MB) for no measurable time
 * (electron/engine/train/README.md, "Session 7"). 4 M is between a width-0.5 model (2.8 M)
 * and a full one (11.7 M).
 */
export const FLAT_UPDATE_MAX_PARAMETERS = 4_000_000

export class TrainStepOptionsError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'TrainStepOptionsError'
  }
}

/** Whether a parameter is trained under a freeze preset (by torchvision name). */
export function isTrainable(preset: FreezePreset, name: string): boolean {
  switch (preset) {
    case 'head':
      return name.startsWith('fc.')
    case 'last-stage':
      return name.startsWith('fc.') || name.startsWith('layer4.')
    case 'all-but-stem':
      return !(name.startsWith('conv1.') || name.startsWith('bn1.'))
    case 'none':
      return true
    default:
      throw new TrainStepOptionsError(`Unknown freeze preset "${String(preset)}"; use head, last-stage, all-but-stem or none.`)
  }
}

/** Build the training-step graph for ResNet18 (see the file header for inputs, outputs and padding). */
export function buildTrainStep(opts: TrainStepOptions): TrainStepGraph {
  if (!Number.isInteger(opts.batch) || opts.batch < 1) throw new TrainStepOptionsError(`Batch size must be a positive integer, got ${opts.batch}.`)
  const net = resnet18Net({ numClasses: opts.numClasses, width: opts.width, inputChannels: opts.inputChannels, batch: opts.batch, height: opts.size, inputName: 'images' })
  const n = opts.batch
  const c = opts.numClasses
  const optimizer = makeOptimizer(opts)
  const g = new OnnxGraph('resnet18_train_step')

  g.input(net.inputValue, 'float32', [n, opts.inputChannels ?? 3, opts.size, opts.size])
  const labels = g.input('labels', 'int64', [n])
  const sampleWeights = g.input('sample_weights', 'float32', [n])
  const classWeights = g.input('class_weights', 'float32', [c])
  const lr = g.input('lr', 'float32', [1])
  const step = g.input('step', 'float32', [1])

  const trainable = new Set<string>()
  const trainableNames: string[] = []
  const frozenNames: string[] = []
  const bufferNames: string[] = []
  const shapes = new Map<string, number[]>()
  // A BN layer's running stats are updated iff the layer is trained (batch statistics).
  const trainedLayers = new Set(net.params.filter((p) => p.kind === 'param' && isTrainable(opts.freeze, p.name)).map((p) => p.layer))
  for (const p of net.params) {
    g.input(p.name, 'float32', p.shape)
    shapes.set(p.name, p.shape)
    if (p.kind === 'param' && trainedLayers.has(p.layer)) {
      trainable.add(p.name)
      trainableNames.push(p.name)
    } else if (p.kind === 'buffer' && trainedLayers.has(p.layer)) bufferNames.push(p.name)
    else frozenNames.push(p.name)
  }
  for (const layer of net.layers) {
    const [bn, , bh, bw] = net.shapeOf(layer.inputs[0]!)
    if (layer.op === 'BatchNormalization' && trainedLayers.has(layer.name) && bn! * bh! * bw! < 2) {
      throw new TrainStepOptionsError(`Batch ${n} at ${opts.size}px leaves one value per channel in ${layer.name}'s batch statistics; use a batch of at least 2 (or a larger image size).`)
    }
  }
  const stateNames: string[] = []
  const trainedCount = trainableNames.reduce((sum, name) => sum + elementCount(shapes.get(name)!), 0)
  const flatUpdate = opts.flatUpdate ?? trainedCount <= FLAT_UPDATE_MAX_PARAMETERS
  for (const name of trainableNames) {
    const shape = flatUpdate ? flatStateShape(shapes.get(name)!) : shapes.get(name)!
    for (const s of optimizer.stateNames(name)) {
      g.input(s, 'float32', shape)
      shapes.set(s, shape)
      stateNames.push(s)
    }
  }

  // mask: [N, 1, 1, 1] float32, 1 for real samples, 0 for padding.
  const mask = g.op1('Reshape', [g.op1('Cast', [g.op1('Greater', [sampleWeights, g.f32(0)])], { to: 1 }), g.i64([n, 1, 1, 1])])
  let plan = planBackward(net, trainable)
  // A trained stem: pool first, relu on the pooled map (nn/pool-before-relu.ts, exact).
  poolBeforeRelu(net, (pool) => plan.layers.has(pool.name))
  plan = planBackward(net, trainable)
  const forward = emitForward(g, net, {
    batchStats: (layer) => layer.op === 'BatchNormalization' && trainedLayers.has(layer.name),
    willBackprop: (layer) => plan.layers.has(layer.name),
    sampleMask: mask,
    foldFrozenConvBn: true,
    nchwcBlock: opts.gradient?.nchwcBlock,
    maxPoolGrad: opts.gradient?.maxPoolGrad
  })
  const logits = net.outputValue
  const { loss, dLogits } = g.inScope('loss', () => emitSoftmaxCrossEntropy(g, { logits, labels, sampleWeights, classWeights, numClasses: c, labelSmoothing: opts.labelSmoothing ?? 0 }))
  const grads = emitBackward(g, net, forward, { trainable, plan, seed: { value: logits, grad: dLogits }, sampleMask: mask, gradient: opts.gradient }).params

  g.output(loss, 'loss', 'float32', [])
  g.output(logits, 'logits', 'float32', [n, c])
  const updated = (name: string) => `updated.${name}`
  const gradient = (name: string) => `grad.${name}`
  for (const name of trainableNames) {
    const grad = grads.get(name)
    if (!grad) throw new TrainStepOptionsError(`No gradient reached "${name}"; the freeze preset leaves it disconnected from the loss.`)
    if (opts.exposeGradients) g.output(grad, gradient(name), 'float32', shapes.get(name)!)
  }
  const updates = flatUpdate
    ? [g.inScope('opt/flat', () => emitFlatUpdate(g, optimizer, { names: trainableNames, grads, shapes, lr, step }))]
    : trainableNames.map((name) => g.inScope(`opt/${name}`, () => optimizer.emitUpdate(g, { param: name, grad: grads.get(name)!, lr, step })))
  for (const update of updates) for (const [target, value] of update) g.output(value, updated(target), 'float32', shapes.get(target)!)
  for (const name of bufferNames) g.output(forward.bufferUpdates.get(name)!, updated(name), 'float32', shapes.get(name)!)

  const activationBytes = net.layers.reduce((sum, layer) => sum + 4 * elementCount(net.shapeOf(layer.output)), 0)
  return {
    model: g.toBytes({ doc: `resnet18 training step: ${opts.freeze}, ${opts.optimizer}, batch ${n}, ${opts.size}px` }),
    trainableNames,
    frozenNames,
    stateNames,
    bufferNames,
    activationBytes,
    shapes,
    inputs: { images: 'images', labels: 'labels', sampleWeights: 'sample_weights', classWeights: 'class_weights', lr: 'lr', step: 'step' },
    outputs: { loss: 'loss', logits: 'logits', updated, gradient }
  }
}

function makeOptimizer(opts: TrainStepOptions): GraphOptimizer {
  if (opts.optimizer === 'sgd') return sgd({ momentum: opts.momentum ?? 0.9, weightDecay: opts.weightDecay ?? 0 })
  if (opts.optimizer === 'adamw') return adamw({ betas: opts.betas ?? [0.9, 0.999], eps: opts.eps ?? 1e-8, weightDecay: opts.weightDecay ?? 0.01 })
  throw new TrainStepOptionsError(`Unknown optimizer "${String(opts.optimizer)}"; use sgd or adamw.`)
}
