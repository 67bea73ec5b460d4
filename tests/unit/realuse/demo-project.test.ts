import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { demoHandlers } from '../../../electron/services/handlers/demo'
import { FileAccess } from '../../../electron/services/file-access'
import { ImportService } from '../../../electron/services/import-service'
import { ProjectService } from '../../../electron/services/project-service'
import { Router } from '../../../electron/services/router'
import type { DemoReport } from '../../../shared/contract/projects'

const ctx = { trusted: true, origin: 'test' }
let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ds-demo-'))
  process.env.DEFECT_STUDIO_DATA_DIR = join(dir, 'data')
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

function setup() {
  const projects = new ProjectService()
  const events: string[] = []
  const router = new Router()
  router.register(demoHandlers({ projects, imports: new ImportService(), files: new FileAccess(null), emit: (e) => events.push(e) }))
  return { projects, router, events }
}

describe('projects:create-demo', () => {
  it('creates and opens a project of generated parts with a good class that is not "ok" and every defect kind', async () => {
    const { projects, router, events } = setup()
    const r = await router.handle('projects:create-demo', { train: false }, ctx)
    expect(r.ok).toBe(true)
    const report = (r as { ok: true; value: DemoReport }).value
    expect(report.project.path.startsWith(join(dir, 'data', 'demo'))).toBe(true)
    expect(report.runId).toBeNull()
    const classes = projects.listClasses()
    expect(classes.map((c) => c.name).sort()).toEqual(['good', 'no-hole', 'scratch', 'stain'])
    expect(classes.find((c) => c.isGood)?.name).toBe('good')
    // Every generated image went through the real import: none rejected or folded as duplicates.
    expect(report.project.images).toBe(Object.values(report.images).reduce((a, b) => a + b, 0))
    for (const c of classes) expect(c.val).toBeGreaterThan(0)
    expect(events).toContain('projects:changed')
    projects.close()
  }, 120_000)

  it('refuses to replace an existing project file', async () => {
    const { projects, router } = setup()
    const file = join(dir, 'taken.dsproj')
    await projects.create(file)
    projects.close()
    const r = await router.handle('projects:create-demo', { path: file, train: false }, ctx)
    expect(r.ok).toBe(false)
  }, 60_000)
})
