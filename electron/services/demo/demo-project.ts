import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { DemoReport } from '../../../shared/contract/projects'
import type { ImportService } from '../import-service'
import type { ProjectService } from '../project-service'
import type { TrainingService } from '../training-service'
import { writeDemoSet, type DemoClass } from './demo-set'

/**
 * The demo project (Projects screen's "Try the demo", `defect-studio demo`): generated
 * washers, most of them good and a few of each defect kind (about 12:1, so the imbalance
 * warnings show too), mixed grayscale and colour, imported through the real import with
 * the good class named "good", then a short training run on the engine.
 */
export const DEMO_CLASSES: readonly DemoClass[] = [
  { name: 'good', kind: 'good', count: 72 },
  { name: 'scratch', kind: 'scratch', count: 6 },
  { name: 'stain', kind: 'stain', count: 6 },
  { name: 'no-hole', kind: 'no-hole', count: 6 }
]

/** Short enough for a first look on a laptop CPU; the user retrains with the real recipe later. */
const DEMO_TRAINING = { mode: 'full', size: 96, epochs: 6, batch: 16 } as const

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
  if (opts.train && deps.training) runId = (await deps.training.start({ ...DEMO_TRAINING })).runId
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
