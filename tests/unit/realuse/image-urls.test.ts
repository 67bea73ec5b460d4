import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createAppServices, mediaCacheControl } from '../../../electron/services/app-services'
import { writeDemoSet } from '../../../electron/services/demo/demo-set'

/** Open A, open B, back to A: every image URL names its content, so no cell shows the other project's picture. */
let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ds-image-urls-'))
  process.env.DEFECT_STUDIO_DATA_DIR = join(dir, 'appdata')
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('image URLs are unique to their content', () => {
  it('the same image id in two projects gets two URLs; a stale URL is refused, a content URL is cached for good', async () => {
    const services = await createAppServices({ mode: 'browser', startEngine: false })
    try {
      const paths: string[] = []
      for (const [name, seed] of [['a', 1], ['b', 2]] as const) {
        await writeDemoSet({ root: join(dir, name), seed, classes: [{ name: 'free', kind: 'good', count: 2 }] })
        const path = join(dir, `${name}.dsproj`)
        await services.projects.create(path)
        await services.router.handle('images:import-folder', { folder: join(dir, name) }, { trusted: true, origin: 'test' })
        paths.push(path)
      }
      const urlsOf = async () => {
        const list = await services.router.handle('images:list', {}, { trusted: true, origin: 'test' })
        if (!list.ok) throw new Error(list.error.message)
        return (list.value as { items: Array<{ id: number; sha256: string }> }).items.map((i) => ({ id: i.id, sha: i.sha256, url: `/media/image/${i.id}?thumb=1&v=${i.sha256}` }))
      }
      await services.projects.open(paths[0]!)
      const a = await urlsOf()
      await services.projects.open(paths[1]!)
      const b = await urlsOf()
      expect(a.map((x) => x.id)).toEqual(b.map((x) => x.id))
      for (let i = 0; i < a.length; i++) expect(a[i]!.url).not.toBe(b[i]!.url)
      // In B, A's URL for the same id is not served (it names other content).
      expect(await services.media('image', String(a[0]!.id), true, a[0]!.sha)).toBeNull()
      const inB = await services.media('image', String(b[0]!.id), true, b[0]!.sha)
      expect(inB && mediaCacheControl(inB)).toMatch(/immutable/)
      await services.projects.open(paths[0]!)
      const back = await urlsOf()
      expect(back.map((x) => x.url)).toEqual(a.map((x) => x.url))
      const inA = await services.media('image', String(a[0]!.id), true, a[0]!.sha)
      expect(Buffer.from(inA!.bytes).equals(Buffer.from(inB!.bytes))).toBe(false)
      // A URL without the content hash is never cached.
      const plain = await services.media('image', String(a[0]!.id), true)
      expect(mediaCacheControl(plain!)).toBe('no-cache')
    } finally {
      await services.close()
    }
  })
})
