/**
 * What the trainer's data path costs: BatchLoader (decode with sharp, then RandomResizedCrop,
 * flip, rotation and colour jitter in JS) assembling 224-px batches of 32 from 64 generated
 * 256×256 JPEGs, four epochs (the first decodes, the rest hit the decode cache). Prints CPU
 * and wall ms per image per epoch.
 *
 *   npx tsx bench/batch-assembly.ts
 */
import sharp from 'sharp'
import { BatchLoader } from '../electron/engine/train/batches'
import { DEFAULT_AUGMENT } from '../electron/engine/train/augment'
const samples = []
for (let i = 0; i < 64; i++) {
  const raw = Buffer.alloc(256 * 256 * 3)
  for (let j = 0; j < raw.length; j++) raw[j] = (j * 7 + i * 13) & 255
  const jpg = await sharp(raw, { raw: { width: 256, height: 256, channels: 3 } }).jpeg().toBuffer()
  samples.push({ key: `k${i}`, label: i % 2, load: async () => new Uint8Array(jpg) })
}
const loader = new BatchLoader(samples, { size: 224, batch: 32, fit: 'whole', augment: DEFAULT_AUGMENT, seed: 1 })
for (let e = 0; e < 4; e++) {
  const c = process.cpuUsage(); const t = performance.now()
  for await (const item of loader.epoch(e)) void item
  const u = process.cpuUsage(c)
  console.log(`epoch ${e}: ${((u.user + u.system) / 1000 / 64).toFixed(2)} CPU ms/img, ${((performance.now() - t) / 64).toFixed(2)} ms/img wall`)
}
