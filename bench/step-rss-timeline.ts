/**
 * When the training step's resident memory grows: a python sampler reads this process's
 * VmRSS every 5 ms into a file (onnxruntime's run blocks the JS thread, so it cannot sample
 * itself), and each sample is matched to the kernel running then in onnxruntime's profile.
 * Prints every change of at least --min-mb and the peak.
 *
 *   npx tsx bench/step-rss-timeline.ts [--freeze none] [--steps 2] [--min-mb 30]
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import * as ort from 'onnxruntime-node'
import { detectNchwcBlock } from '../electron/engine/onnx/nchwc'
import { buildTrainStep, type FreezePreset } from '../electron/engine/train/train-step'
import { randomStepFeeds } from '../tests/unit/engine/train-step-feeds'

const { values } = parseArgs({ options: { freeze: { type: 'string', default: 'none' }, steps: { type: 'string', default: '2' }, 'min-mb': { type: 'string', default: '30' } } })
const nchwcBlock = await detectNchwcBlock()
const graph = buildTrainStep({ numClasses: 4, size: 224, batch: 32, freeze: values.freeze as FreezePreset, optimizer: 'sgd', gradient: { nchwcBlock } })
const dir = mkdtempSync(join(tmpdir(), 'ds-rss-timeline-'))
const session = await ort.InferenceSession.create(graph.model, {
  intraOpNumThreads: 2, interOpNumThreads: 1, graphOptimizationLevel: 'all', enableMemPattern: false,
  extra: { session: { intra_op: { allow_spinning: '0' } } }, enableProfiling: true, profileFilePrefix: join(dir, 'profile')
})
const inputs = randomStepFeeds(graph, { numClasses: 4, size: 224, batch: 32, lr: 1e-3, seed: 1 })
const samplesFile = join(dir, 'rss.txt')
const sampler = spawn('python3', ['-c', [
  'import time', `out = open(${JSON.stringify(samplesFile)}, "w")`, 'while True:',
  '    try:', `        s = open("/proc/${process.pid}/status").read()`, '    except Exception:', '        break',
  '    out.write("%.3f %s\\n" % (time.time() * 1000, s.split("VmRSS:")[1].split()[0])); out.flush()', '    time.sleep(0.005)'
].join('\n')])
const t0 = Date.now()
const starts: number[] = []
for (let s = 1; s <= Number(values.steps); s++) {
  starts.push(Date.now() - t0)
  inputs.advance(await session.run(inputs.feeds(s)))
}
await new Promise((r) => setTimeout(r, 100))
sampler.kill()
session.endProfiling()
const trace = JSON.parse(readFileSync(join(dir, readdirSync(dir).find((f) => f.startsWith('profile'))!), 'utf8')) as Array<{ cat?: string; name?: string; ts?: number }>
const runs = trace.filter((e) => e.cat === 'Session' && e.name === 'model_run')
const kernels = trace.filter((e) => e.cat === 'Node' && e.name?.endsWith('_kernel_time'))
/** The kernel running at `ms` after the first run started (runs aligned on their start). */
const at = (ms: number): string => {
  const r = Math.max(0, starts.findLastIndex((s) => s <= ms))
  const us = runs[r]!.ts! + (ms - starts[r]!) * 1000
  return `step ${r + 1} ${kernels.filter((e) => e.ts! <= us).at(-1)?.name?.replace('_kernel_time', '') ?? '?'}`
}
let shown = 0
let peak = 0
for (const line of readFileSync(samplesFile, 'utf8').trim().split('\n')) {
  const [t, kb] = line.split(' ').map(Number) as [number, number]
  const ms = t - t0
  const mb = kb / 1024
  if (ms < 0) continue
  peak = Math.max(peak, mb)
  if (Math.abs(mb - shown) < Number(values['min-mb'])) continue
  console.log(`${ms.toFixed(0).padStart(7)} ms ${mb.toFixed(0).padStart(6)} MB (${mb > shown ? '+' : ''}${(mb - shown).toFixed(0)}) ${at(ms)}`)
  shown = mb
}
console.log(`peak VmRSS ${peak.toFixed(0)} MB (${values.freeze}, ${values.steps} steps)`)
rmSync(dir, { recursive: true, force: true })
