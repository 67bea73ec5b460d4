/**
 * The practical roofline the benches compare against, measured in the same run: onnxruntime's
 * SGEMM (one 2048² MatMul graph, the kernel every conv lowers to) on the same thread count,
 * and the multiply-add FLOPs of a ResNet18 forward / training step from the layer IR, so a
 * bench can print "x GFLOP/s reached = y % of the roofline". On a machine shared with other
 * work both numbers drop together, which keeps the fraction meaningful.
 */
import * as ort from 'onnxruntime-node'
import { planBackward } from '../electron/engine/autodiff/backward'
import { resnet18Net } from '../electron/engine/models/resnet'
import { layerParams } from '../electron/engine/nn/ir'
import { OnnxGraph } from '../electron/engine/onnx/graph'
import { isTrainable, type FreezePreset } from '../electron/engine/train/train-step'

/** SGEMM GFLOP/s of onnxruntime on `threads` intra-op threads (best of `repeats` runs). */
export async function measureSgemmGflops(threads: number, o: { size?: number; repeats?: number } = {}): Promise<number> {
  return (await measureSgemm(threads, o)).gflops
}

/**
 * The same SGEMM, also as GFLOP per CPU-second of this process over all runs: on a loaded
 * machine wall-clock GFLOP/s falls with the share of the cores this process gets, GFLOP
 * per CPU-second much less, so a bench can compare its own FLOP per CPU-second with it.
 */
export async function measureSgemm(threads: number, o: { size?: number; repeats?: number } = {}): Promise<{ gflops: number; gflopsPerCpuSecond: number }> {
  const n = o.size ?? 2048
  const g = new OnnxGraph('sgemm_roofline')
  g.input('a', 'float32', [n, n])
  g.input('b', 'float32', [n, n])
  g.op1('MatMul', ['a', 'b'], {}, 'c')
  g.output('c', 'c', 'float32', [n, n])
  const session = await ort.InferenceSession.create(g.toBytes(), { intraOpNumThreads: threads, interOpNumThreads: 1, extra: { session: { intra_op: { allow_spinning: '0' } } } })
  const data = Float32Array.from({ length: n * n }, (_, i) => ((i * 7919) % 1000) / 1000 - 0.5)
  const feeds = { a: new ort.Tensor('float32', data, [n, n]), b: new ort.Tensor('float32', data, [n, n]) }
  await session.run(feeds)
  let best = Infinity
  const repeats = o.repeats ?? 5
  const cpu0 = process.cpuUsage()
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now()
    await session.run(feeds)
    best = Math.min(best, performance.now() - t0)
  }
  const cpu = process.cpuUsage(cpu0)
  await session.release()
  const flop = 2 * n * n * n
  return { gflops: flop / (best / 1000) / 1e9, gflopsPerCpuSecond: (flop * repeats) / ((cpu.user + cpu.system) / 1e6) / 1e9 }
}

/** Conv and fully-connected FLOPs (2 per multiply-add) of one image through ResNet18's forward. */
export function forwardFlopsPerImage(o: { size: number; width?: number; numClasses: number }): number {
  return stepFlopsPerImage({ ...o, freeze: 'head', forwardOnly: true })
}

/**
 * FLOPs per image of a training step under a freeze preset: the forward of every conv/fc,
 * plus dW for trained ones and dX where the input needs a gradient (as autodiff/backward.ts
 * plans it). Element-wise work (BN, ReLU, optimizer) is left out, as rooflines usually do.
 */
export function stepFlopsPerImage(o: { size: number; width?: number; numClasses: number; freeze: FreezePreset; forwardOnly?: boolean }): number {
  const net = resnet18Net({ numClasses: o.numClasses, width: o.width, batch: 1, height: o.size, inputName: 'images' })
  const trainable = new Set(net.params.filter((p) => p.kind === 'param' && isTrainable(o.freeze, p.name)).map((p) => p.name))
  const plan = planBackward(net, trainable)
  let flops = 0
  for (const layer of net.layers) {
    let macs = 0
    if (layer.op === 'Conv') {
      const [, ci] = net.shapeOf(layer.inputs[0])
      const [, co, oh, ow] = net.shapeOf(layer.output)
      macs = co! * ci! * layer.kernel * layer.kernel * oh! * ow!
    } else if (layer.op === 'Gemm') {
      const [, f] = net.shapeOf(layer.inputs[0])
      macs = f! * net.shapeOf(layer.output)[1]!
    } else continue
    let passes = 1
    if (!o.forwardOnly && plan.layers.has(layer.name)) {
      if (layerParams(layer).some((p) => trainable.has(p))) passes++ // dW
      if (plan.needsGrad.has(layer.inputs[0])) passes++ // dX
    }
    flops += 2 * macs * passes
  }
  return flops
}
