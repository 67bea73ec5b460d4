import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { projectsHandlers } from '../../../electron/services/handlers/projects'
import { ProjectService } from '../../../electron/services/project-service'
import { Router } from '../../../electron/services/router'
import { numberLimits, projectSettingSchemas, TrainRequest } from '../../../shared/contract'

const ctx = { trusted: true, origin: 'test' }
let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ds-settings-'))
  process.env.DEFECT_STUDIO_DATA_DIR = join(dir, 'data')
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

async function setup() {
  const projects = new ProjectService()
  const router = new Router()
  router.register(projectsHandlers({ projects, emit: () => undefined }))
  await projects.create(join(dir, `p-${Math.random().toString(36).slice(2)}.dsproj`))
  const set = (key: string, value?: unknown) => router.handle('projects:settings-set', value === undefined ? { key } : { key, value }, ctx)
  return { projects, set }
}

describe('projects:settings-set checks each known key with the schema of the request that uses it', () => {
  it('refuses a training size of "abc", -5 and 1e308, naming the key', async () => {
    const { set, projects } = await setup()
    for (const bad of ['abc', -5, 1e308, 33.5]) {
      const r = await set('training.size', bad)
      expect(r.ok).toBe(false)
      if (!r.ok) {
        expect(r.error.code).toBe('invalid-payload')
        expect(r.error.message).toMatch(/training\.size/)
        expect(r.error.issues?.[0]).toMatch(/^training\.size/)
      }
    }
    expect(projects.getSettings()).toEqual({})
    expect(await set('training.size', 96)).toMatchObject({ ok: true, value: { 'training.size': 96 } })
  })

  it('checks nested settings field by field and unknown keys by size only', async () => {
    const { set } = await setup()
    const bad = await set('training.advanced', { epochs: 0, lr: -1 })
    expect(bad.ok).toBe(false)
    if (!bad.ok) expect(bad.error.issues).toEqual(expect.arrayContaining([expect.stringMatching(/^training\.advanced\.epochs/), expect.stringMatching(/^training\.advanced\.lr/)]))
    expect((await set('training.advanced', { epochs: 3, augment: { rotation: false } })).ok).toBe(true)
    expect((await set('inspection', { rateHz: 1000 })).ok).toBe(false)
    expect((await set('anomaly.targetFrr', 1)).ok).toBe(false)
    expect((await set('anomaly.targetFrr', 0.01)).ok).toBe(true)
    expect((await set('ui.lastTab', 'train')).ok).toBe(true)
    expect((await set('ui.huge', 'x'.repeat(70_000))).ok).toBe(false)
  })

  it('removes a setting with value null or no value', async () => {
    const { set, projects } = await setup()
    await set('training.fit', 'crop')
    await set('split.valFraction', 0.3)
    expect(await set('training.fit', null)).toMatchObject({ ok: true, value: { 'split.valFraction': 0.3 } })
    expect(await set('split.valFraction')).toMatchObject({ ok: true, value: {} })
    expect(projects.getSettings()).toEqual({})
  })

  it('the limits of a setting are read from its schema, not restated', () => {
    expect(numberLimits(TrainRequest.shape.epochs)).toEqual({ min: 1, exclusiveMin: false, max: 500, exclusiveMax: false, integer: true })
    expect(numberLimits(TrainRequest.shape.lr)).toMatchObject({ min: 0, exclusiveMin: true, max: 10, integer: false })
    expect(numberLimits(projectSettingSchemas['training.size'])).toMatchObject({ min: 32, max: 1024, integer: true })
  })
})
