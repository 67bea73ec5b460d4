import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { DemoReport } from '../../../shared/contract/projects'
import { SURFACE_AUGMENT } from '../../engine/train/recipe'
import type { ImportService } from '../import-service'
import type { ProjectService } from '../project-service'
import type { TrainingService } from '../training-service'
import { writeDemoSet, type DemoClass } from './demo-set'

/**
 * The demo project (Projects screen's "Try the demo", `defect-studio demo`): generated
 * washers, good ones and each defect kind (3:1 good to each defect), mixed grayscale and
 * colour, imported through the real import with the good class named "good", then a short
 * training run on the engine. Then live inspection on the Demo camera
 * (shared/demo/camera-scene.ts), which shows parts drawn the same way.
 */
export const DEMO_CLASSES: readonly DemoClass[] = [
  { name: 'good', kind: 'good', count: 48 },
  { name: 'scratch', kind: 'scratch', count: 16 },
  { name: 'stain', kind: 'stain', count: 16 },
  { name: 'no-hole', kind: 'no-hole', count: 16 }
]

/**
 * Short enough for a first look on a laptop CPU (about 35 CPU-seconds on this project's
 * 2-core CI box), good enough that the Demo camera's parts get the right verdicts: a
 * quarter-width ResNet18 trained whole from its generated start at 64 px, with the
 * learning rate given (no range test). 30 epochs, not 20: with 20 the outcome depended on
 * the training seed and on the CPU's float rounding (balanced accuracy 0.58–0.95 over
 * seeds 0–4 on an AVX-512 host, where seed 0 gave 1.00 on an AVX2 one); with 30 it was
 * 0.92–1.00 over seeds 0–5 for ~8 CPU-seconds more (docs/demo.md). The user retrains with
 * the real recipe later.
 */
export const DEMO_TRAINING = {
  request: { mode: 'full', size: 64, epochs: 30, batch: 16, lr: 0.003, optimizer: 'adamw', freeze: 'none', patience: 0 },
  /** Not a setting of the API or of the project: the model's width, for this run only. */
  width: 0.25,
  /**
   * Pinned like the rest (also not an API setting): flips, 90° turns and ±10 % jitter
   * (recipe.ts SURFACE_AUGMENT, without the auto recipe's shifts), the
   * augmentation the seeds above were measured with. The auto recipe's shifts (recipe.ts
   * AUTO_SHIFT) came later; with them this run's model called 2 of the 6 good parts of the
   * Demo camera's first nine FAIL (tests/unit/realuse/demo-cli.test.ts), and the camera
   * shows every part centred anyway.
   */
  augment: SURFACE_AUGMENT
} as const

export interface DemoDeps {
  projects: ProjectService
  imports: ImportService
  /** Absent (the CLI): the caller trains. */
  training?: TrainingService
}

/** Create the demo project at `file` (must not exist), open it, import the parts and optionally start training. */
export async function createDemoProject(deps: DemoDeps, file: string, opts: { train: boolean; seed?: number }): Promise<DemoReport> {
  const folder = await mkdtemp(join(tmpdir(), 'defect-studio-demo-'))
  try {
    await writeDemoSet({ root: folder, classes: [...DEMO_CLASSES], seed: opts.seed ?? 1 })
    await deps.projects.create(file)
    const store = deps.projects.current()
    await deps.imports.run(store, { kind: 'folder', folder, layout: 'auto' }, () => {}, { goodClass: 'good' })
  } finally {
    await rm(folder, { recursive: true, force: true })
  }
  let runId: number | null = null
  if (opts.train && deps.training) runId = (await deps.training.start({ ...DEMO_TRAINING.request }, { width: DEMO_TRAINING.width, augment: DEMO_TRAINING.augment })).runId
  return {
    project: deps.projects.summary(),
    images: Object.fromEntries(DEMO_CLASSES.map((c) => [c.name, c.count])),
    goodClass: 'good',
    runId
  }
}

/** Where the demo goes when the request names no file: a new file in the data folder. */
export function defaultDemoFile(dataFolder: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)
  return join(dataFolder, 'demo', `demo-${stamp}.dsproj`)
}
