import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { imagesHandlers } from '../../../electron/services/handlers/images'
import { projectsHandlers } from '../../../electron/services/handlers/projects'
import { ImportService } from '../../../electron/services/import-service'
import { ProjectService, readRecent } from '../../../electron/services/project-service'
import { Router } from '../../../electron/services/router'

const FIXTURES = join(process.cwd(), 'tests/fixtures/images')
const ctx = { trusted: true, origin: 'test' }
let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ds-handlers-'))
  process.env.DEFECT_STUDIO_DATA_DIR = join(dir, 'data')
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

function setup() {
  const events: Array<{ event: string; payload: any }> = []
  const emit = (event: string, payload: unknown) => events.push({ event, payload })
  const projects = new ProjectService()
  const router = new Router()
  router.register(projectsHandlers({ projects, emit }))
  router.register(imagesHandlers({ projects, imports: new ImportService(), emit, progressIntervalMs: 0 }))
  const call = async (channel: string, payload: unknown = {}): Promise<any> => {
    const r = await router.handle(channel, payload, ctx)
    if (!r.ok) throw Object.assign(new Error(r.error.message), { code: r.error.code })
    return r.value
  }
  return { projects, router, call, events }
}

describe('projects and images handlers through the router', () => {
  it('without a project: a no-project error, not a crash', async () => {
    const { router } = setup()
    const r = await router.handle('images:list', {}, ctx)
    expect(r).toMatchObject({ ok: false, error: { code: 'no-project' } })
  })

  it('create, import with progress events, list, label, undo, classes, recent', async () => {
    const { call, events, projects } = setup()
    const file = join(dir, 'ui.dsproj')
    const created = await call('projects:create', { path: file })
    expect(created).toMatchObject({ path: file, name: 'ui', images: 0 })
    expect(events.find((e) => e.event === 'projects:changed')?.payload).toEqual({ project: { path: file, name: 'ui' } })
    await expect(call('projects:create', { path: file })).rejects.toMatchObject({ code: 'failed' })

    const folder = join(dir, 'drop', 'scratch')
    await mkdir(folder, { recursive: true })
    for (const f of ['good.png', 'good.jpg', 'zero-byte.jpg']) await copyFile(join(FIXTURES, f), join(folder, f))
    const report = await call('images:import-folder', { folder: join(dir, 'drop') })
    expect(report).toMatchObject({ imported: 2, rejected: [{ code: 'empty' }], importId: expect.stringMatching(/^import-/) })
    const progress = events.filter((e) => e.event === 'images:import-progress').map((e) => e.payload)
    expect(progress.at(-1)).toMatchObject({ importId: report.importId, done: 3, total: 3 })

    const loose = await call('images:import-files', { paths: [join(FIXTURES, 'good.webp')] })
    expect(loose.imported).toBe(1)

    const page = await call('images:list', { classId: null, limit: 10 })
    expect(page.total).toBe(1)
    const classes = await call('classes:create', { name: 'ok', isGood: true })
    const ok = classes.find((c: { name: string }) => c.name === 'ok')
    const set = await call('images:set-label', { imageIds: [page.items[0].id], classId: ok.id })
    expect(set.changed).toBe(1)
    expect((await call('images:get', { id: page.items[0].id })).history).toHaveLength(1)
    expect(await call('images:undo-label')).toMatchObject({ undone: true, imageIds: [page.items[0].id] })

    const scratch = (await call('classes:list')).find((c: { name: string }) => c.name === 'scratch')
    await expect(call('classes:update', { id: scratch.id, name: 'OK' })).rejects.toMatchObject({ code: 'conflict' })
    const merged = await call('classes:merge', { sourceId: scratch.id, targetId: ok.id })
    expect(merged.moved).toBe(2)
    await expect(call('images:get', { id: 9999 })).rejects.toMatchObject({ code: 'not-found' })
    await expect(call('images:set-label', { imageIds: [], classId: 1 })).rejects.toMatchObject({ code: 'invalid-payload' })

    expect(await call('projects:settings-set', { key: 'split.valFraction', value: 0.25 })).toEqual({ 'split.valFraction': 0.25 })
    expect(await call('projects:close')).toEqual({ closed: true })
    expect(projects.currentOrNull()).toBeNull()
    expect((await call('projects:recent')).map((r: { path: string }) => r.path)).toEqual([file])
    expect((await call('projects:open', { path: file })).images).toBe(3)
  })

  it('a damaged recent.json is an empty list, and it is rewritten whole', async () => {
    await mkdir(join(dir, 'data'), { recursive: true })
    await writeFile(join(dir, 'data', 'recent.json'), '{ not json')
    expect(await readRecent()).toEqual([])
    const { call } = setup()
    await call('projects:create', { path: join(dir, 'second.dsproj') })
    expect(JSON.parse(await readFile(join(dir, 'data', 'recent.json'), 'utf8'))[0].name).toBe('second')
  })
})
