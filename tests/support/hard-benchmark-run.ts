import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateHardSet, HARD_PARAMS, type HardScale } from './hard-defects'
import { createProject } from '../../electron/store/project-store'
import { importImages } from '../../electron/services/import-service'
import { projectTrainingData } from '../../electron/services/training-data'
import { runTrainingJob, type TrainJobOptions, type TrainOutcome } from '../../electron/engine/train/training-job'
import { evaluateModel, PreprocessedSet } from '../../electron/engine/train/evaluate'
import type { ClassificationMetrics } from '../../electron/engine/train/metrics'

/**
 * One run of the hard benchmark through the project's real path: generate the set, import
 * its project part into a new project (train/val folders, the good class named "good"),
 * train with `runTrainingJob` as `train` does, then evaluate the saved model on the
 * held-out test part (images the run never saw, 50 or more per class, so balanced accuracy is
 * not decided by the val split's 10 images of the rarest class). Shared by the test
 * (tests/unit/train/hard-benchmark.test.ts) and `npm run bench:accuracy`.
 */

export interface HardRun {
  preset: string
  outcome: TrainOutcome
  test: ClassificationMetrics
  seconds: number
  /**
   * CPU seconds of this process during the run (user + system, every thread: onnxruntime's
   * and sharp's included): the time figure that does not grow when other work shares the
   * machine, so the auto/seed ratio is compared in it.
   */
  cpuSeconds: number
}

export interface HardBenchmark {
  /** Train one preset on a fresh project holding the same images. */
  run(name: string, options: Omit<TrainJobOptions, 'mode'>): Promise<HardRun>
  close(): Promise<void>
}

export async function prepareHardBenchmark(opts: { scale: HardScale; seed: number; size: number }): Promise<HardBenchmark> {
  const dir = await mkdtemp(join(tmpdir(), 'ds-hard-'))
  process.env.DEFECT_STUDIO_DATA_DIR = join(dir, 'appdata')
  const set = await generateHardSet({ root: join(dir, 'data'), seed: opts.seed, scale: opts.scale })
  const classesInOrder: string[] = []
  const test = set.files.filter((f) => f.split === 'test')
  const testBytes = await Promise.all(test.map(async (f) => new Uint8Array(await readFile(f.path))))
  return {
    async run(name, options) {
      const store = createProject(join(dir, `${name}.dsproj`))
      try {
        const report = await importImages(store, { kind: 'folder', folder: set.projectRoot })
        if (report.imported === 0 || report.rejected.length > 0) throw new Error(`hard benchmark import failed: ${JSON.stringify(report.rejected.slice(0, 3))}`)
        store.settings.set('training.size', opts.size)
        const t0 = performance.now()
        const cpu0 = process.cpuUsage()
        const outcome = await runTrainingJob(projectTrainingData(store), { mode: 'full', ...options })
        const cpu = process.cpuUsage(cpu0)
        const cpuSeconds = (cpu.user + cpu.system) / 1e6
        const seconds = (performance.now() - t0) / 1000
        if (outcome.modelVersion === null) throw new Error(`hard benchmark: ${name} saved no model (${outcome.reason})`)
        const model = store.models.get(outcome.modelVersion)
        if (classesInOrder.length === 0) classesInOrder.push(...model.classes)
        const size = Number(model.config.size)
        const fit = model.config.fit === 'crop' ? 'crop' : 'whole'
        const samples = test.map((f, i) => ({ key: f.path, label: model.classes.indexOf(f.className), load: async () => testBytes[i]! }))
        if (samples.some((s) => s.label < 0)) throw new Error('hard benchmark: a test class is missing from the model')
        const good = model.classes.indexOf(HARD_PARAMS.goodClass)
        const evalResult = await evaluateModel(new Uint8Array(store.models.onnx(outcome.modelVersion)), new PreprocessedSet(samples, size, fit), model.classes, good, { threads: options.threads })
        return { preset: name, outcome, test: evalResult.metrics, seconds, cpuSeconds }
      } finally {
        store.close()
      }
    },
    close: () => rm(dir, { recursive: true, force: true })
  }
}
