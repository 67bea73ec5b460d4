/**
 * A/B of the trainer end to end (bench/train-trainer-child.ts: decode + augment + step, one
 * epoch) between two checkouts, or between the batch worker on and off in one: one generated
 * project (256×256 colour and grey images, as bench/train.ts makes), the two sides' child
 * processes alternating (A B, B A, …) so slow spells of a shared machine hit both. Prints
 * each run and the medians: trainer img/s, CPU s per image, peak RSS.
 *
 *   npx tsx bench/trainer-ab.ts [--base DIR] [--worker-a auto|on|off] [--worker-b auto|on|off]
 *                               [--preset all-but-stem] [--repeats 4] [--steps 3]
 * A = --base (default this checkout) with --worker-a, B = this checkout with --worker-b.
 */
import { execFileSync } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { generateSyntheticSet } from '../tests/support/synthetic-defects'
import { createProject } from '../electron/store/project-store'
import { importImages } from '../electron/services/import-service'

const here = resolve(fileURLToPath(new URL('..', import.meta.url)))
const { values } = parseArgs({
  options: {
    base: { type: 'string', default: here },
    'worker-a': { type: 'string', default: 'auto' },
    'worker-b': { type: 'string', default: 'auto' },
    preset: { type: 'string', default: 'all-but-stem' },
    repeats: { type: 'string', default: '4' },
    steps: { type: 'string', default: '3' }
  }
})
const root = await mkdtemp(join(tmpdir(), 'ds-trainer-ab-'))
process.env.DEFECT_STUDIO_DATA_DIR = join(root, 'appdata') // random-init backbone, no downloads
const train = 32 * (Number(values.steps) + 1)
await generateSyntheticSet({ root: join(root, 'images'), seed: 1, counts: { ok: Math.round((train - 16) / 0.8), scratch: 20 }, layout: 'imagefolder', colour: 'mixed', width: 256, height: 256, valFraction: 0.2 })
const file = join(root, 'ab.dsproj')
const store = createProject(file)
await importImages(store, { kind: 'folder', folder: join(root, 'images') })
store.close()

interface Run { imagesPerSecond: number; cpuSecondsPerImage: number; peakRssMb: number }
const sides = [
  { name: 'A', dir: resolve(values.base), worker: values['worker-a'] },
  { name: 'B', dir: here, worker: values['worker-b'] }
]
console.log(`method: A = ${sides[0]!.dir} (batch worker ${sides[0]!.worker}), B = ${sides[1]!.dir} (batch worker ${sides[1]!.worker}); ${values.preset}, 224 px, batch 32, 2 threads, ${values.steps} timed steps after a warm-up, children alternating`)
const runs: Record<string, Run[]> = { A: [], B: [] }
for (let r = 0; r < Number(values.repeats); r++) {
  for (const side of r % 2 ? [...sides].reverse() : sides) {
    const args = ['--import', 'tsx', join(side.dir, 'bench/train-trainer-child.ts'), file, values.preset, '2', '224', '32', ...(side.worker === 'auto' ? [] : [side.worker])]
    const out = execFileSync(process.execPath, args, { cwd: side.dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24 })
    const run = JSON.parse(out.trim().split('\n').pop()!) as Run
    runs[side.name]!.push(run)
    console.log(`${side.name} ${run.imagesPerSecond.toFixed(2)} img/s, ${run.cpuSecondsPerImage.toFixed(3)} CPU s/img, peak RSS ${run.peakRssMb.toFixed(0)} MB`)
  }
}
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2
}
const summary = Object.fromEntries(Object.entries(runs).map(([k, rs]) => [k, { imagesPerSecond: median(rs.map((x) => x.imagesPerSecond)), cpuSecondsPerImage: median(rs.map((x) => x.cpuSecondsPerImage)), peakRssMb: median(rs.map((x) => x.peakRssMb)) }]))
console.log(`medians: A ${summary.A!.imagesPerSecond.toFixed(2)} img/s ${summary.A!.peakRssMb.toFixed(0)} MB, B ${summary.B!.imagesPerSecond.toFixed(2)} img/s ${summary.B!.peakRssMb.toFixed(0)} MB; B/A speed ${(summary.B!.imagesPerSecond / summary.A!.imagesPerSecond).toFixed(3)}, memory ${(summary.B!.peakRssMb / summary.A!.peakRssMb).toFixed(3)}`)
console.log(JSON.stringify({ ...summary, runs }))
await rm(root, { recursive: true, force: true })
