/**
 * `npx tsx bench/accuracy-easy.ts`: the auto recipe on the EASY synthetic set (issue 14 item 3:
 * "on the easy synthetic sets it is no worse than today"). The project gets the shared easy
 * set (tests/support/synthetic-defects.ts, 300 ok : 15 scratch : 15 spot, grey and colour
 * mixed, odd sizes, seed 1, its own val split), trains with `runTrainingJob` as one-click
 * Retrain does (no recipe option) from random initialisation (ResNet18 width 0.25, 64 px),
 * and the saved model is scored on 160 held-out images of another seed (100 : 30 : 30).
 * Run it on two checkouts to compare recipes; it prints the figures and one JSON line.
 *
 *   npm run bench:accuracy-easy -- [--seed 0] [--threads 2] [--size 64] [--width 0.25]
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { evaluateModel, PreprocessedSet } from '../electron/engine/train/evaluate'
import { runTrainingJob } from '../electron/engine/train/training-job'
import { importImages } from '../electron/services/import-service'
import { projectTrainingData } from '../electron/services/training-data'
import { createProject } from '../electron/store/project-store'
import { generateSyntheticSet, GOOD_CLASS } from '../tests/support/synthetic-defects'

const { values } = parseArgs({ options: { seed: { type: 'string', default: '0' }, threads: { type: 'string', default: '2' }, size: { type: 'string', default: '64' }, width: { type: 'string', default: '0.25' } } })
const dir = await mkdtemp(join(tmpdir(), 'ds-easy-'))
process.env.DEFECT_STUDIO_DATA_DIR = join(dir, 'appdata')
try {
  const common = { width: 96, height: 72, mixedSizes: true, colour: 'mixed' as const }
  await generateSyntheticSet({ root: join(dir, 'project'), seed: 1, counts: { [GOOD_CLASS]: 300, scratch: 15, spot: 15 }, layout: 'imagefolder', ...common })
  const held = await generateSyntheticSet({ root: join(dir, 'held'), seed: 2, counts: { [GOOD_CLASS]: 100, scratch: 30, spot: 30 }, layout: 'flat', ...common })
  const store = createProject(join(dir, 'easy.dsproj'))
  try {
    const report = await importImages(store, { kind: 'folder', folder: join(dir, 'project') }, { goodClass: GOOD_CLASS })
    if (report.rejected.length > 0) throw new Error(`import rejected ${report.rejected.length} files`)
    store.settings.set('training.size', Number(values.size))
    const t0 = performance.now()
    const cpu0 = process.cpuUsage()
    const outcome = await runTrainingJob(projectTrainingData(store), { mode: 'full', width: Number(values.width), seed: Number(values.seed), threads: Number(values.threads) })
    const cpu = process.cpuUsage(cpu0)
    if (outcome.modelVersion === null) throw new Error(`no model saved: ${outcome.reason}`)
    const model = store.models.get(outcome.modelVersion)
    const samples = await Promise.all(held.files.map(async (f) => ({ key: f.path, label: model.classes.indexOf(f.className), bytes: new Uint8Array(await readFile(f.path)) })))
    const set = new PreprocessedSet(samples.map((s) => ({ key: s.key, label: s.label, load: async () => s.bytes })), Number(model.config.size), model.config.fit === 'crop' ? 'crop' : 'whole')
    const { metrics } = await evaluateModel(new Uint8Array(store.models.onnx(outcome.modelVersion)), set, model.classes, model.classes.indexOf(GOOD_CLASS), { threads: Number(values.threads) })
    const seconds = (performance.now() - t0) / 1000
    const cpuSeconds = (cpu.user + cpu.system) / 1e6
    console.log(`easy set, auto recipe (${outcome.recipe?.choices.find((c) => c.setting === 'augment')?.value}; lr ${outcome.recipe?.lrFinder?.chosen.lr.toPrecision(3) ?? '-'} ${outcome.recipe?.lrFinder?.chosen.optimizer ?? ''}; test-time flips ${outcome.recipe?.choices.find((c) => c.setting === 'testTimeFlips')?.value ?? 'off'}): held-out balanced accuracy ${metrics.balancedAccuracy.toFixed(3)}, accuracy ${metrics.accuracy.toFixed(3)}, defect recall ${metrics.defectRecall?.toFixed(3)}, per class ${metrics.perClass.map((p) => `${p.class} ${p.recall.toFixed(2)}`).join(', ')}; ${outcome.history.length} epochs (best ${outcome.metrics?.bestEpoch}), ${seconds.toFixed(1)} s, CPU ${cpuSeconds.toFixed(1)} s`)
    console.log(JSON.stringify({ balancedAccuracy: metrics.balancedAccuracy, accuracy: metrics.accuracy, defectRecall: metrics.defectRecall, epochs: outcome.history.length, bestEpoch: outcome.metrics?.bestEpoch ?? null, seconds, cpuSeconds }))
  } finally {
    store.close()
  }
} finally {
  await rm(dir, { recursive: true, force: true })
}
