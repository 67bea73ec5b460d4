import { rm } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { runTrainingJob } from '../../../electron/engine/train/training-job'
import { projectTrainingData } from '../../../electron/services/training-data'
import { importedProject, syntheticFolder } from './project-fixture'

// Issue 12 item 8: a quick retrain killed mid-run stayed 'running' forever; the next start
// of training (quick or full) marks it interrupted, as it does for full runs.
describe('interrupted quick runs', () => {
  it('are marked interrupted when training starts again', async () => {
    const set = await syntheticFolder({ ok: 8, scratch: 4 }, 7)
    const store = await importedProject(set.dir, set.data, 'q')
    try {
      // What a process killed during a quick retrain leaves behind.
      const dead = store.runs.start({ kind: 'classifier', config: { mode: 'quick' } })
      expect(store.runs.get(dead.id).status).toBe('running')
      await runTrainingJob(projectTrainingData(store), { mode: 'quick', width: 0.125, size: 32, seed: 0, threads: 1 })
      expect(store.runs.get(dead.id).status).toBe('interrupted')
      expect(store.runs.list({ kind: 'classifier', limit: 10 }).filter((r) => r.status === 'running')).toEqual([])
    } finally {
      store.close()
      await rm(set.dir, { recursive: true, force: true })
    }
  })
})
