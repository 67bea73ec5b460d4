import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createAppServices, type AppServices } from '../../../electron/services/app-services'

/**
 * Issue 11 item 12: browser mode's file picker lists folders and files only inside the
 * allowed roots. Driven through the Router, as the WebSocket is: `..`, links out of the
 * roots, relative paths and files that are not folders are refused or not listed.
 */
const ctx = { trusted: true, origin: 'test' }
let dir: string
let allowed: string
let services: AppServices
let call: (channel: string, payload?: unknown) => Promise<{ ok: boolean; value?: any; error?: { code: string; message: string } }>

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ds-picker-'))
  allowed = join(dir, 'allowed')
  mkdirSync(join(allowed, 'photos', 'free'), { recursive: true })
  mkdirSync(join(dir, 'secret'))
  writeFileSync(join(dir, 'secret', 'plans.png'), 'x')
  writeFileSync(join(allowed, 'photos', 'free', 'a.png'), 'x')
  writeFileSync(join(allowed, 'photos', 'notes.txt'), 'x')
  writeFileSync(join(allowed, 'photos', '.hidden.png'), 'x')
  writeFileSync(join(allowed, 'line1.dsproj'), 'x')
  symlinkSync(join(dir, 'secret'), join(allowed, 'photos', 'out-link'))
  symlinkSync('/etc', join(allowed, 'photos', 'etc-link'))
  symlinkSync(join(allowed, 'photos', 'free'), join(allowed, 'photos', 'in-link'))
  process.env.DEFECT_STUDIO_DATA_DIR = join(dir, 'data')
  services = await createAppServices({ mode: 'browser', startEngine: false, allowedFolders: [allowed] })
  call = (channel, payload = {}) => services.router.handle(channel, payload, ctx) as never
})
afterAll(async () => {
  await services.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('paths:list (browser mode)', () => {
  it('starts at the allowed roots', async () => {
    const r = await call('paths:list', {})
    expect(r.ok).toBe(true)
    expect(r.value.path).toBeNull()
    expect(r.value.roots).toContain(allowed)
    expect(r.value.roots).not.toContain(dir)
  })

  it('lists subfolders and the files of the kind asked for; no hidden files, no links out of the roots', async () => {
    const r = await call('paths:list', { path: join(allowed, 'photos'), kind: 'folder' })
    expect(r.ok, r.error?.message).toBe(true)
    expect(r.value.entries.map((e: { name: string; kind: string }) => `${e.kind}:${e.name}`)).toEqual(['folder:free', 'folder:in-link'])
    expect(r.value.parent).toBe(allowed)
    const projects = await call('paths:list', { path: allowed, kind: 'project' })
    expect(projects.value.entries.map((e: { name: string }) => e.name)).toEqual(['photos', 'line1.dsproj'])
    // At a root, there is no folder above (the picker goes back to the roots).
    expect(projects.value.parent).toBeNull()
    const images = await call('paths:list', { path: join(allowed, 'photos', 'free'), kind: 'image' })
    expect(images.value.entries).toEqual([{ name: 'a.png', path: join(allowed, 'photos', 'free', 'a.png'), kind: 'file' }])
  })

  it('refuses folders outside the roots however they are spelled', async () => {
    for (const path of [dir, join(dir, 'secret'), `${allowed}/photos/../..`, join(allowed, 'photos', 'out-link'), join(allowed, 'photos', 'etc-link'), '/', 'allowed/photos']) {
      const r = await call('paths:list', { path })
      expect(r.ok, path).toBe(false)
      expect(r.error!.message, path).not.toMatch(/plans\.png/)
    }
    const file = await call('paths:list', { path: join(allowed, 'line1.dsproj') })
    expect(file).toMatchObject({ ok: false, error: { message: expect.stringMatching(/is not a folder/) } })
    expect(await call('paths:list', { path: join(allowed, 'nope') })).toMatchObject({ ok: false, error: { code: 'not-found' } })
    expect(await call('paths:list', { path: allowed, kind: 'everything' })).toMatchObject({ ok: false, error: { code: 'invalid-payload' } })
  })

  it('lists each root once, also when the open project lies in an allowed folder', async () => {
    // A project opened inside an allowed folder does not list that folder twice.
    expect((await call('projects:create', { path: join(allowed, 'walk.dsproj') })).ok).toBe(true)
    const again = await call('paths:list', {})
    expect(again.value.roots.filter((root: string) => root === allowed)).toHaveLength(1)
    expect(new Set(again.value.entries.map((e: { path: string }) => e.path)).size).toBe(again.value.entries.length)
    await call('projects:close', {})
  })

  it('has no native dialog in browser mode (the screens fall back to the folder list)', async () => {
    expect(await call('paths:pick', { kind: 'folder' })).toMatchObject({ ok: false, error: { code: 'unknown-channel' } })
  })
})
