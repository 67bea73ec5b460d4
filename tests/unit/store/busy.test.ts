import Database from 'better-sqlite3'
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { toCallError } from '../../../electron/services/error-codes'
import { importImages } from '../../../electron/services/import-service'
import { createProject, openProject } from '../../../electron/store/project-store'

const FIXTURES = join(process.cwd(), 'tests/fixtures/images')

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : []
  })
}

describe('write transactions and a busy project (issue 12 item 3)', () => {
  it('every transaction in the app starts with BEGIN IMMEDIATE', () => {
    // A deferred transaction that reads, then writes, fails at once with SQLITE_BUSY_SNAPSHOT
    // when another process committed in between: the busy timeout never applies to it.
    const offenders: string[] = []
    for (const file of sources(join(process.cwd(), 'electron'))) {
      const text = readFileSync(file, 'utf8')
      let at = text.indexOf('.transaction(')
      while (at >= 0) {
        let depth = 0
        let i = at + '.transaction'.length
        do {
          const c = text[i]
          if (c === '(') depth++
          else if (c === ')') depth--
          i++
        } while (depth > 0 && i < text.length)
        // ProjectStore.transaction(fn) runs at once (and is itself immediate); a better-sqlite3
        // transaction function is invoked: that call must be .immediate().
        if (text[i] === '(') offenders.push(`${file}:${text.slice(0, at).split('\n').length}`)
        at = text.indexOf('.transaction(', i)
      }
    }
    expect(offenders).toEqual([])
  })

  it('says the project is busy (not "free disk space") when another writer holds it past the timeout', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ds-busy-'))
    const file = join(dir, 'p.dsproj')
    createProject(file).close()
    mkdirSync(join(dir, 'photos', 'ok'), { recursive: true })
    copyFileSync(join(FIXTURES, 'good.png'), join(dir, 'photos', 'ok', 'a.png'))
    const store = openProject(file, { busyTimeoutMs: 100 })
    const other = new Database(file)
    try {
      other.prepare('BEGIN IMMEDIATE').run()
      const started = Date.now()
      const failure = await importImages(store, { kind: 'folder', folder: join(dir, 'photos') }).then(
        () => null,
        (error: Error) => error.message
      )
      expect(Date.now() - started).toBeGreaterThanOrEqual(90)
      expect(failure).toMatch(/is busy: another program .* is writing to it/)
      expect(failure).not.toMatch(/disk space/)
      let raw: unknown = null
      try {
        store.classes.create({ name: 'scratch' })
      } catch (error) {
        raw = error
      }
      expect(toCallError(raw, 'classes:create')).toMatchObject({ code: 'busy', message: expect.stringMatching(/^The project is busy: another program/) })
      other.prepare('ROLLBACK').run()
      expect(store.classes.create({ name: 'scratch' }).name).toBe('scratch')
    } finally {
      other.close()
      store.close()
    }
  })
})
