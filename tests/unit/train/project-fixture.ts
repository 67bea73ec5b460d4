import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateSyntheticSet } from '../../support/synthetic-defects'
import { createProject, type ProjectStore } from '../../../electron/store/project-store'
import { importImages } from '../../../electron/services/import-service'
import { readSafetensors } from '../../../electron/engine/models/safetensors'
import type { TensorMap } from '../../../electron/engine/tensor'

/** A temporary data dir (DEFECT_STUDIO_DATA_DIR) and a generated imagefolder set. */
export async function syntheticFolder(counts: Record<string, number>, seed: number): Promise<{ dir: string; data: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'ds-train-'))
  process.env.DEFECT_STUDIO_DATA_DIR = join(dir, 'appdata')
  const data = join(dir, 'data')
  await generateSyntheticSet({ root: data, seed, counts, layout: 'imagefolder', colour: 'mixed' })
  return { dir, data }
}

/** A new project with the folder imported (train/val splits from the folder layout). */
export async function importedProject(dir: string, data: string, name: string): Promise<ProjectStore> {
  const store = createProject(join(dir, `${name}.dsproj`))
  const report = await importImages(store, { kind: 'folder', folder: data })
  if (report.rejected.length > 0 || report.imported === 0) throw new Error(`fixture import failed: ${JSON.stringify(report.rejected.slice(0, 3))}`)
  return store
}

export function modelWeights(store: ProjectStore, version: number): TensorMap {
  const blob = store.models.weights(version)
  if (!blob) throw new Error(`model ${version} has no weights`)
  return readSafetensors(new Uint8Array(blob))
}

/** max over tensors of max |a − b| / max(max |b|, 1e-12). */
export function maxRelativeDifference(a: TensorMap, b: TensorMap): number {
  let worst = 0
  for (const [name, tb] of b) {
    const ta = a.get(name)
    if (!ta) throw new Error(`tensor ${name} missing`)
    let diff = 0
    let scale = 1e-12
    for (let i = 0; i < tb.data.length; i++) {
      diff = Math.max(diff, Math.abs(ta.data[i]! - tb.data[i]!))
      scale = Math.max(scale, Math.abs(tb.data[i]!))
    }
    worst = Math.max(worst, diff / scale)
  }
  return worst
}
