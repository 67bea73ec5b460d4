import * as ort from 'onnxruntime-node'
import { collectGarbage } from '../collect-garbage'
import { elementCount, type TensorMap } from '../tensor'
import { createSession, runsOnCpu, type ProviderRequest } from '../infer/sessions'
import { detectNchwcBlock } from '../onnx/nchwc'
import type { GradientOptions } from '../nn/layers/rule'
import type { ExecutionProviderName } from '../../../shared/contract/app'
import { buildTrainStep, type FreezePreset, type TrainStepGraph } from './train-step'
import type { Batch } from './batches'
import { TrainingDataError } from './errors'

/**
 * One open training-step session (train-step.ts) and the tensors it carries from step to
 * step: parameters, optimizer state and BatchNorm buffers are fed by name and replaced by
 * the step's outputs. The trainer loop and the learning-rate range test (lr-finder.ts)
 * both drive training through this.
 */

export interface StepSessionOptions {
  numClasses: number
  width: number
  size: number
  /** Image channels (3 default; 1 for a one-channel stem). */
  inputChannels?: 1 | 3
  batch: number
  freeze: FreezePreset
  optimizer: 'sgd' | 'adamw'
  momentum: number
  weightDecay: number
  labelSmoothing: number
  provider?: ProviderRequest
  threads?: number
}

/**
 * Run a full GC after a step only when it handed back at least this much: a full ResNet18's
 * parameters and momenta are ~90 MB (electron/engine/train/README.md, Memory), a width-0.25
 * model's a few MB, which V8's own collections keep up with.
 */
const COLLECT_AFTER_STEP_BYTES = 32 * 1024 * 1024

/**
 * Release the step session between epochs (suspend) only when its forward pass writes at
 * least this much: there the arena is hundreds of MB (a full ResNet18 at 224 px, batch 32:
 * 1.0 GB of layer outputs, an arena of ~1 GB) and validation and the checkpoint would stack on top of
 * it. A small model's arena is tens of MB, and reopening its session costs ~0.3 s plus a
 * slow first step every epoch: 7 % of the hard benchmark's training time
 * (electron/engine/train/README.md, "Memory").
 */
export const SUSPEND_ABOVE_ACTIVATION_BYTES = 128 * 1024 * 1024

export class StepSession {
  private updatedBytesCache: number | undefined

  private constructor(
    private readonly step: TrainStepGraph,
    /** null while suspended (suspend()); the next run() opens it again. */
    private session: ort.InferenceSession | null,
    readonly provider: ExecutionProviderName,
    private readonly opts: StepSessionOptions,
    private readonly feeds: Map<string, ort.Tensor>,
    private readonly paramNames: string[]
  ) {}

  /** Build the step graph, check the weights fit it, open the session. Optimizer state starts at zero unless given. */
  static async open(opts: StepSessionOptions, weights: TensorMap, optimizerState?: TensorMap): Promise<StepSession> {
    const step = buildTrainStep({
      numClasses: opts.numClasses,
      width: opts.width,
      size: opts.size,
      inputChannels: opts.inputChannels,
      batch: opts.batch,
      freeze: opts.freeze,
      optimizer: opts.optimizer,
      momentum: opts.momentum,
      weightDecay: opts.weightDecay,
      labelSmoothing: opts.labelSmoothing,
      gradient: await stepGradientOptions(opts.provider ?? 'auto')
    })
    const paramNames: string[] = []
    for (const name of [...step.trainableNames, ...step.frozenNames, ...step.bufferNames]) {
      const t = weights.get(name)
      if (!t) throw new TrainingDataError(`The starting weights have no tensor "${name}". Use weights for this architecture (ResNet18, width ${opts.width}).`)
      const want = step.shapes.get(name)!
      if (want.join(',') !== t.shape.join(',')) {
        throw new TrainingDataError(`The starting weights' "${name}" has shape [${t.shape.join(', ')}], the model needs [${want.join(', ')}]. Use weights for ResNet18 at width ${opts.width}.`)
      }
      paramNames.push(name)
    }
    const feeds = new Map<string, ort.Tensor>()
    // The caller's arrays are fed as they are, not copied (a full ResNet18's weights are 45 MB):
    // onnxruntime never writes into its inputs and run() replaces each feed with the step's
    // new output tensor, so the caller's maps stay untouched.
    for (const name of paramNames) {
      const t = weights.get(name)!
      feeds.set(name, new ort.Tensor('float32', t.data, [...t.shape]))
    }
    for (const name of step.stateNames) {
      const given = optimizerState?.get(name)
      const shape = step.shapes.get(name)!
      feeds.set(name, new ort.Tensor('float32', given ? given.data : new Float32Array(elementCount(shape)), shape))
    }
    const { session, provider } = await openStepSession(step.model, opts)
    return new StepSession(step, session, provider, opts, feeds, paramNames)
  }

  /**
   * Release the onnxruntime session (and with it the arena that holds the step's peak
   * memory) but keep every tensor the steps carry; the next run() opens the session again.
   * The trainer suspends at the end of each epoch so validation and the checkpoint do not
   * stack on top of the step's arena (electron/engine/train/README.md, "Memory").
   */
  async suspend(): Promise<void> {
    const s = this.session
    this.session = null
    await s?.release()
  }

  /** Whether the session's arena is large enough to release between epochs (SUSPEND_ABOVE_ACTIVATION_BYTES). */
  get holdsLargeArena(): boolean {
    return this.step.activationBytes >= SUSPEND_ABOVE_ACTIVATION_BYTES
  }

  /** One optimizer step on a (padded) batch; returns the batch loss and logits [B, C]. */
  async run(b: Batch, lr: number, globalStep: number, classWeights: Float32Array): Promise<{ loss: number; logits: Float32Array }> {
    const { step, opts } = this
    this.session ??= (await openStepSession(step.model, { ...opts, provider: this.provider })).session
    // The feeds are built in stepInputs() so that nothing here holds the old tensors afterwards.
    const out = await this.session.run(this.stepInputs(b, lr, globalStep, classWeights))
    for (const name of [...step.trainableNames, ...step.stateNames, ...step.bufferNames]) {
      const next = out[step.outputs.updated(name)]
      if (!next) throw new Error(`train step: output for "${name}" missing`)
      this.feeds.set(name, next)
    }
    // The previous step's tensors are garbage now: collect them before the next step's arrive,
    // where they are big enough to matter (a full GC costs ~30 ms with the trainer's heap: a few
    // per mille of a full-size step, most of a small model's).
    if (this.updatedBytes() >= COLLECT_AFTER_STEP_BYTES) collectGarbage()
    return { loss: (out[step.outputs.loss]!.data as Float32Array)[0]!, logits: out[step.outputs.logits]!.data as Float32Array }
  }

  /** Bytes of the tensors one step hands back (parameters, optimizer state, BN buffers). */
  private updatedBytes(): number {
    this.updatedBytesCache ??= [...this.step.trainableNames, ...this.step.stateNames, ...this.step.bufferNames].reduce((sum, name) => sum + 4 * elementCount(this.step.shapes.get(name)!), 0)
    return this.updatedBytesCache
  }

  private stepInputs(b: Batch, lr: number, globalStep: number, classWeights: Float32Array): Record<string, ort.Tensor> {
    const { step, opts } = this
    const inputs: Record<string, ort.Tensor> = Object.fromEntries(this.feeds)
    inputs[step.inputs.images] = new ort.Tensor('float32', b.images, [opts.batch, opts.inputChannels ?? 3, opts.size, opts.size])
    inputs[step.inputs.labels] = new ort.Tensor('int64', b.labels, [opts.batch])
    inputs[step.inputs.sampleWeights] = new ort.Tensor('float32', b.sampleWeights, [opts.batch])
    inputs[step.inputs.classWeights] = new ort.Tensor('float32', classWeights, [opts.numClasses])
    inputs[step.inputs.lr] = new ort.Tensor('float32', new Float32Array([lr]), [1])
    // 1-based (AdamW bias correction; SGD ignores it).
    inputs[step.inputs.step] = new ort.Tensor('float32', new Float32Array([globalStep + 1]), [1])
    return inputs
  }

  /** Current parameters and BN buffers (copies). */
  weights(): TensorMap {
    return this.snapshot(this.paramNames)
  }

  /** Current optimizer state (copies). */
  optimizerState(): TensorMap {
    return this.snapshot(this.step.stateNames)
  }

  release(): Promise<void> {
    return this.suspend()
  }

  private snapshot(names: string[]): TensorMap {
    const out: TensorMap = new Map()
    for (const name of names) {
      const t = this.feeds.get(name)!
      out.set(name, { shape: [...t.dims], data: new Float32Array(t.data as Float32Array) })
    }
    return out
  }
}

/**
 * The step graph's gradient forms for a provider. CPU runs: blocked conv kernels with
 * in-graph filter reorders (onnx/nchwc.ts) and MaxPool Indices. GPU providers: plain convs,
 * and MaxPool's backward without Indices (onnxruntime's WebGPU provider cannot run them;
 * nn/layers/max-pool.ts). bench/gpu-check.ts builds its step the same way.
 */
export async function stepGradientOptions(provider: ProviderRequest): Promise<Partial<GradientOptions>> {
  return runsOnCpu(provider) ? { nchwcBlock: await detectNchwcBlock() } : { nchwcBlock: 0, maxPoolGrad: 'window-mask' }
}

/**
 * No pre-planned memory pattern: peak RSS of the step −35 % at the same CPU time; no thread
 * spinning between kernels (electron/engine/train/README.md).
 */
function openStepSession(model: Uint8Array, opts: StepSessionOptions): Promise<{ session: ort.InferenceSession; provider: ExecutionProviderName }> {
  return createSession(model, { provider: opts.provider ?? 'auto', threads: opts.threads, memoryPattern: false, spinning: false })
}
