/** Probe: ORT MatMul GFLOP per CPU second for given batched shapes [b, M, K] × [b, K, N]. */
import * as ort from 'onnxruntime-node'
import { OnnxGraph } from '../electron/engine/onnx/graph'
const shapes = (process.argv[2] ?? '1x2048x2048x2048,2x256x3136x256,8x128x3136x128,32x64x3136x64,1x64x100352x64').split(',').map((s) => s.split('x').map(Number) as [number, number, number, number])
function rnd(n: number) { const a = new Float32Array(n); for (let i = 0; i < n; i++) a[i] = Math.random() - 0.5; return a }
for (const [b, m, k, n] of shapes) {
  for (const trans of ['', 'tA', 'tB']) {
    const g = new OnnxGraph('p')
    const aShape = trans === 'tA' ? [b, k, m] : [b, m, k]
    const bShape = trans === 'tB' ? [b, n, k] : [b, k, n]
    g.input('a', 'float32', aShape); g.input('b', 'float32', bShape)
    const y = trans ? g.op('FusedMatMul', ['a', 'b'], trans === 'tA' ? { transA: 1 } : { transB: 1 }, 1, 'com.microsoft')[0]! : g.op1('MatMul', ['a', 'b'])
    g.output(y, 'out', 'float32', [b, m, n])
    const s = await ort.InferenceSession.create(g.toBytes(), { intraOpNumThreads: 2, interOpNumThreads: 1, extra: { session: { intra_op: { allow_spinning: '0' } } } })
    const feeds = { a: new ort.Tensor('float32', rnd(b * m * k), aShape), b: new ort.Tensor('float32', rnd(b * k * n), bShape) }
    await s.run(feeds)
    let best = Infinity, bestWall = Infinity
    for (let r = 0; r < 5; r++) { const t = performance.now(); const c = process.cpuUsage(); await s.run(feeds); const u = process.cpuUsage(c); best = Math.min(best, (u.user + u.system) / 1000); bestWall = Math.min(bestWall, performance.now() - t) }
    const gf = 2 * b * m * k * n / 1e9
    console.log(`${b}x${m}x${k}x${n} ${trans || 'NN'}: ${best.toFixed(1)} CPU ms, ${(gf / best * 1000).toFixed(0)} GFLOP/CPU-s, ${(gf / bestWall * 1000).toFixed(0)} GFLOP/s wall`)
    await s.release()
  }
}
