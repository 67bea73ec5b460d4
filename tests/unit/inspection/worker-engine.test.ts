import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { resolveModels } from '../../../electron/services/inspection/models-info'
import { LocalInspectionEngine } from '../../../electron/services/inspection/local-engine'
import { storeModelLoader } from '../../../electron/services/inspection/manager'
import { WorkerInspectionEngine } from '../../../electron/services/inspection/worker-engine'
import type { ProjectStore } from '../../../electron/store/project-store'
import { generateSyntheticSet } from '../../support/synthetic-defects'
import { createTinyProject } from './fixture'

/**
 * The app's engine: a worker thread of its own. Same scores as the in-thread engine, a
 * heatmap, and after a watchdog restart (worker disposed, a fresh one started) it loads
 * the model again and carries on.
 */
let dir: string
let store: ProjectStore
let image: Buffer

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ds-worker-engine-'))
  store = createTinyProject(dir)
  const { files } = await generateSyntheticSet({ root: join(dir, 'p'), seed: 9, counts: { ok: 1, spot: 1 }, width: 48, height: 40 })
  image = readFileSync(files[1]!.path)
})
afterAll(() => {
  store.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('WorkerInspectionEngine', () => {
  it('matches the in-thread engine, gives a heatmap, and survives a restart', async () => {
    const models = resolveModels(store, null)
    const worker = new WorkerInspectionEngine(storeModelLoader(store))
    const local = new LocalInspectionEngine(storeModelLoader(store))
    try {
      const a = await worker.infer({ image, roi: null, heatmap: true, models })
      const b = await local.infer({ image, roi: null, heatmap: false, models })
      expect(a.probabilities!.length).toBe(3)
      a.probabilities!.forEach((p, i) => expect(p).toBeCloseTo(b.probabilities![i]!, 5))
      expect(a.heatmap).not.toBeNull()
      expect(a.heatmap!.width).toBeLessThanOrEqual(48)
      // The image is 48x40: the heatmap keeps its aspect ratio.
      expect(a.heatmap!.width).toBeGreaterThan(a.heatmap!.height)

      await worker.restart()
      const c = await worker.infer({ image, roi: { x: 4, y: 4, w: 30, h: 30 }, heatmap: false, models })
      expect(c.probabilities!.reduce((s, p) => s + p, 0)).toBeCloseTo(1, 5)
      const d = await local.infer({ image, roi: { x: 4, y: 4, w: 30, h: 30 }, heatmap: false, models })
      c.probabilities!.forEach((p, i) => expect(p).toBeCloseTo(d.probabilities![i]!, 5))
      // The region of interest changes what the model sees.
      expect(c.probabilities).not.toEqual(a.probabilities)
    } finally {
      await worker.release()
      await local.release()
    }
  })
})
