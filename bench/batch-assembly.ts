/**
 * What the trainer's data path costs: BatchLoader (decode with sharp, then RandomResizedCrop,
 * flip, rotation and colour jitter in JS) assembling 224-px batches of 32 from --images (64)
 * generated 256×256 JPEGs, four epochs (the first decodes, the rest hit the decode cache), rendered
 * inline (on the consuming thread) and in the batch worker. Prints per epoch the CPU ms per
 * image (all threads) and, with a step simulated by blocking the consuming thread for
 * --step-ms per batch (Atomics.wait: like onnxruntime's run(), it holds the thread; unlike
 * it, it leaves the cores free), the wall ms per batch beyond that block: the data path's
 * share of the critical path.
 *
 *   npx tsx bench/batch-assembly.ts [--step-ms 0] [--images 64] [--modes inline,worker]
 */
import { parseArgs } from 'node:util'
import sharp from 'sharp'
import { BatchLoader } from '../electron/engine/train/batches'
import { DEFAULT_AUGMENT } from '../electron/engine/train/augment'

const { values } = parseArgs({ options: { 'step-ms': { type: 'string', default: '0' }, modes: { type: 'string', default: 'inline,worker' }, images: { type: 'string', default: '64' } } })
const count = Number(values.images)
const stepMs = Number(values['step-ms'])
const samples = []
for (let i = 0; i < count; i++) {
  const raw = Buffer.alloc(256 * 256 * 3)
  for (let j = 0; j < raw.length; j++) raw[j] = (j * 7 + i * 13) & 255
  const jpg = await sharp(raw, { raw: { width: 256, height: 256, channels: 3 } }).jpeg().toBuffer()
  samples.push({ key: `k${i}`, label: i % 2, load: async () => new Uint8Array(jpg) })
}
const block = new Int32Array(new SharedArrayBuffer(4))
console.log(`method: ${count} images, batch 32 at 224 px, DEFAULT_AUGMENT, fit whole; step simulated by blocking the consuming thread ${stepMs} ms per batch`)
for (const mode of values.modes.split(',')) {
  const loader = new BatchLoader(samples, { size: 224, batch: 32, fit: 'whole', augment: DEFAULT_AUGMENT, seed: 1, worker: mode === 'worker' })
  for (let e = 0; e < 4; e++) {
    const c = process.cpuUsage()
    const t = performance.now()
    let batches = 0
    for await (const item of loader.epoch(e)) {
      void item
      batches++
      if (stepMs > 0) Atomics.wait(block, 0, 0, stepMs)
    }
    const u = process.cpuUsage(c)
    const wall = performance.now() - t
    console.log(`${mode.padEnd(6)} epoch ${e}: ${((u.user + u.system) / 1000 / count).toFixed(2)} CPU ms/img, ${(wall / count).toFixed(2)} ms/img wall, ${((wall - batches * stepMs) / batches).toFixed(0)} ms/batch beyond the step`)
  }
  await loader.close()
}
