import { execFileSync } from 'node:child_process'
import { copyFileSync, linkSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { loadResnetWeights } from '../../../electron/engine/models/weights'
import { createAppServices, type AppServices } from '../../../electron/services/app-services'
import { openProject } from '../../../electron/store/project-store'

// Issue 12 items 2 and 6: what may touch the file system from the API, and what its
// error messages may say. Driven through the Router, as IPC and the WebSocket are.
const FIXTURES = join(process.cwd(), 'tests/fixtures/images')
const ctx = { trusted: true, origin: 'test' }
let services: AppServices | null = null

afterEach(async () => {
  await services?.close()
  services = null
})

async function setup(mode: 'electron' | 'browser', allowedFolders: string[] = []) {
  const dir = mkdtempSync(join(tmpdir(), 'ds-paths-'))
  const data = join(dir, 'data')
  mkdirSync(data)
  process.env.DEFECT_STUDIO_DATA_DIR = data
  services = await createAppServices({ mode, startEngine: false, allowedFolders })
  const router = services.router
  const call = (channel: string, payload: unknown = {}) => router.handle(channel, payload, ctx) as Promise<{ ok: boolean; value?: any; error?: { code: string; message: string } }>
  return { dir, data, call }
}

async function projectWithImages(call: (c: string, p?: unknown) => Promise<any>, dir: string): Promise<string> {
  const project = join(dir, 'proj', 'line.dsproj')
  mkdirSync(join(dir, 'proj', 'photos', 'scratch'), { recursive: true })
  copyFileSync(join(FIXTURES, 'good.png'), join(dir, 'proj', 'photos', 'scratch', 'a.png'))
  expect((await call('projects:create', { path: project })).ok).toBe(true)
  const imported = await call('images:import-folder', { folder: join(dir, 'proj', 'photos') })
  expect(imported).toMatchObject({ ok: true, value: { imported: 1 } })
  return project
}

describe('projects:save-copy', () => {
  it('refuses the open project under another spelling (./, a link, a hard link) and keeps every later write', async () => {
    const { dir, call } = await setup('electron')
    const project = await projectWithImages(call, dir)
    symlinkSync(join(dir, 'proj'), join(dir, 'link'))
    linkSync(project, join(dir, 'hard.dsproj'))
    for (const spelling of [join(dir, 'proj', '.', 'line.dsproj'), `${dir}/proj/../proj/line.dsproj`, join(dir, 'link', 'line.dsproj'), join(dir, 'hard.dsproj'), `${project}-wal`]) {
      const r = await call('projects:save-copy', { path: spelling, overwrite: true })
      expect(r.ok, spelling).toBe(false)
      expect(r.error!.message).toMatch(/open project itself/)
    }
    const classes = (await call('classes:list')).value as Array<{ id: number; name: string }>
    expect((await call('classes:create', { name: 'dent' })).ok).toBe(true)
    await services!.close()
    services = null
    const reopened = openProject(project)
    try {
      expect(reopened.integrityCheck()).toBe('ok')
      expect(reopened.images.count()).toBe(1)
      expect(reopened.classes.list().map((c) => c.name).sort()).toEqual([...classes.map((c) => c.name), 'dent'].sort())
    } finally {
      reopened.close()
    }
  })

  it('never replaces an existing file unless the request says overwrite: true', async () => {
    const { dir, call } = await setup('electron')
    await projectWithImages(call, dir)
    const target = join(dir, 'existing.dsproj')
    writeFileSync(target, 'keep me')
    const refused = await call('projects:save-copy', { path: target })
    expect(refused).toMatchObject({ ok: false, error: { message: expect.stringMatching(/already exists/) } })
    expect(readFileSync(target, 'utf8')).toBe('keep me')
    const replaced = await call('projects:save-copy', { path: target, overwrite: true })
    expect(replaced.ok).toBe(true)
    const copy = openProject(target)
    try {
      expect(copy.images.count()).toBe(1)
    } finally {
      copy.close()
    }
  })
})

describe('paths from the API: kind and size', () => {
  it('reads weights from /dev/zero or a pipe neither forever nor into memory', async () => {
    const { dir, call } = await setup('electron')
    const before = process.memoryUsage().rss
    const started = Date.now()
    const zero = await call('engine:weights-import', { file: '/dev/zero' })
    expect(zero).toMatchObject({ ok: false, error: { message: expect.stringMatching(/not a regular file/) } })
    const fifo = join(dir, 'pipe.safetensors')
    execFileSync('mkfifo', [fifo])
    const pipe = await call('engine:weights-import', { file: fifo })
    expect(pipe).toMatchObject({ ok: false, error: { message: expect.stringMatching(/not a regular file/) } })
    const folder = await call('engine:weights-import', { file: dir })
    expect(folder).toMatchObject({ ok: false, error: { message: expect.stringMatching(/not a regular file/) } })
    expect(Date.now() - started).toBeLessThan(5000)
    expect(process.memoryUsage().rss - before).toBeLessThan(200 * 1024 * 1024)
  })

  it('refuses a JSONL log or hot folder that is a pipe or a file of the wrong kind', async () => {
    const { dir, call } = await setup('electron')
    await projectWithImages(call, dir)
    const fifo = join(dir, 'log.jsonl')
    execFileSync('mkfifo', [fifo])
    expect(await call('inspection:settings', { jsonlPath: fifo })).toMatchObject({ ok: false, error: { message: expect.stringMatching(/not a regular file/) } })
    expect(await call('inspection:settings', { jsonlPath: dir })).toMatchObject({ ok: false, error: { message: expect.stringMatching(/not a regular file/) } })
    expect(await call('inspection:start', { source: 'hot-folder', folder: join(FIXTURES, 'good.png') })).toMatchObject({ ok: false, error: { message: expect.stringMatching(/not a folder/) } })
    expect(await call('images:import-folder', { folder: '/dev/null' })).toMatchObject({ ok: false, error: { message: expect.stringMatching(/not a folder/) } })
  })
})

describe('paths from the API in browser mode: allowed roots', () => {
  it('keeps imports, weights, logs, hot folders, copies and exports inside the project folder, data folder and allowed folders', async () => {
    const { dir, data, call } = await setup('browser')
    const project = await projectWithImages(call, dir).catch(() => null)
    // Nothing is open yet: the project's own folder is not an allowed root, so creating it fails.
    expect(project).toBeNull()
    const inData = join(data, 'projects', 'line.dsproj')
    mkdirSync(join(data, 'projects'))
    expect((await call('projects:create', { path: inData })).ok).toBe(true)
    const outside = mkdtempSync(join(tmpdir(), 'ds-outside-'))
    mkdirSync(join(outside, 'scratch'))
    copyFileSync(join(FIXTURES, 'good.png'), join(outside, 'scratch', 'a.png'))
    writeFileSync(join(outside, 'w.safetensors'), 'x')
    const refusals = [
      await call('images:import-folder', { folder: outside }),
      await call('images:import-files', { paths: [join(outside, 'scratch', 'a.png')] }),
      await call('engine:weights-import', { file: join(outside, 'w.safetensors') }),
      await call('engine:predict', { weightsFile: join(outside, 'w.safetensors'), images: [join(outside, 'scratch', 'a.png')] }),
      await call('inspection:settings', { jsonlPath: join(outside, 'log.jsonl') }),
      await call('inspection:start', { source: 'hot-folder', folder: outside }),
      await call('projects:save-copy', { path: join(outside, 'copy.dsproj') }),
      await call('projects:export', { folder: join(outside, 'export') }),
      await call('projects:open', { path: '/etc/passwd' }),
      await call('projects:create', { path: join(outside, 'new.dsproj') })
    ]
    for (const r of refusals) expect(r).toMatchObject({ ok: false, error: { message: expect.stringMatching(/outside the folders browser mode may use/) } })
    // A link inside an allowed folder that points outside is judged by where it leads.
    symlinkSync(outside, join(data, 'projects', 'escape'))
    expect(await call('images:import-folder', { folder: join(data, 'projects', 'escape') })).toMatchObject({ ok: false, error: { message: expect.stringMatching(/outside/) } })
    // Inside the project's folder: allowed.
    mkdirSync(join(data, 'projects', 'photos', 'ok'), { recursive: true })
    copyFileSync(join(FIXTURES, 'good.jpg'), join(data, 'projects', 'photos', 'ok', 'b.jpg'))
    expect(await call('images:import-folder', { folder: join(data, 'projects', 'photos') })).toMatchObject({ ok: true, value: { imported: 1 } })
    // A folder the user allowed in the data folder's settings.json: allowed at once.
    writeFileSync(join(data, 'settings.json'), JSON.stringify({ allowedFolders: [outside] }))
    expect(await call('images:import-folder', { folder: outside })).toMatchObject({ ok: true, value: { imported: 1 } })
    expect((await call('projects:save-copy', { path: join(outside, 'copy.dsproj') })).ok).toBe(true)
  })

  it('allows folders given to the server (serve --allow-folder, uploads)', async () => {
    const allowed = mkdtempSync(join(tmpdir(), 'ds-allowed-'))
    const { call } = await setup('browser', [allowed])
    expect((await call('projects:create', { path: join(allowed, 'p.dsproj') })).ok).toBe(true)
  })
})

describe('error messages carry no file content (item 6)', () => {
  it('a non-safetensors file gets "not a safetensors file" without numbers decoded from its bytes', async () => {
    const { dir, call } = await setup('electron')
    const text = 'root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n'
    const passwd = join(dir, 'passwd')
    writeFileSync(passwd, text)
    const decoded = Buffer.from(text).readBigUInt64LE(0).toString()
    const secretJson = join(dir, 'secret.safetensors')
    const body = Buffer.from(JSON.stringify({ apiKey: 'hunter2-secret', user: 'admin' }))
    const header = Buffer.alloc(8)
    header.writeBigUInt64LE(BigInt(body.length))
    writeFileSync(secretJson, Buffer.concat([header, body]))
    const badUtf = join(dir, 'bad.safetensors')
    const junk = Buffer.from('{"password": "hunter2-secret" oops')
    const h2 = Buffer.alloc(8)
    h2.writeBigUInt64LE(BigInt(junk.length))
    writeFileSync(badUtf, Buffer.concat([h2, junk]))
    for (const [file, leaks] of [
      [passwd, [decoded, 'root', 'daemon', 'bash']],
      [secretJson, ['hunter2', 'apiKey', 'admin']],
      [badUtf, ['hunter2', 'password', 'oops']]
    ] as const) {
      const r = await call('engine:weights-import', { file })
      expect(r.ok).toBe(false)
      // The engine worker loads predict's weights with the same reader.
      const loaded = await loadResnetWeights(file).then(() => 'loaded', (error: Error) => error.message)
      for (const message of [r.error!.message, loaded]) {
        expect(message).toMatch(/^.*: Not a safetensors file/)
        for (const leak of leaks) expect(message, file).not.toContain(leak)
      }
    }
  })
})
