import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { historyMigrations } from '../../../electron/store/history/migrations/index'
import { migrations, type Migration } from '../../../electron/store/migrations/index'

/**
 * Migrations once shipped are never edited: a file on a user's disk already ran them, so an
 * edit would give two users with the same `user_version` different schemas. Each shipped
 * migration's SQL is pinned here by its SHA-256 (UTF-8). Change the schema by adding the
 * next migration; when it ships, add its hash below.
 */
const SHIPPED: Record<'project' | 'history', Array<{ version: number; name: string; sha256: string }>> = {
  project: [{ version: 1, name: 'initial', sha256: '996bc919553b95f606678bfff830cef947825865b17c5bb607889c3a62dea474' }],
  history: [
    { version: 1, name: 'initial', sha256: '9cc4dca1817b2aa7fdc2c6186fc3030301430bd7e247a2a819a6df59c792051f' },
    { version: 2, name: 'line-outbox', sha256: '44447a832922c809eba1fe6e1061cf414caff48c32149c28f64ba24b8628da3f' }
  ]
}

const LISTS: Record<keyof typeof SHIPPED, readonly Migration[]> = { project: migrations, history: historyMigrations }
const hash = (sql: string) => createHash('sha256').update(sql, 'utf8').digest('hex')

describe('shipped migrations are never edited', () => {
  for (const [db, shipped] of Object.entries(SHIPPED) as Array<[keyof typeof SHIPPED, (typeof SHIPPED)['project']]>) {
    it.each(shipped)(`${db} migration $version ($name) still has its shipped SQL`, ({ version, name, sha256 }) => {
      const m = LISTS[db].find((x) => x.version === version)
      expect(m, `${db} migration ${version} was removed: shipped migrations stay`).toBeDefined()
      expect(m!.name).toBe(name)
      expect(hash(m!.sql), `${db} migration ${version} was edited: restore it and add the change as migration ${LISTS[db].length + 1}`).toBe(sha256)
    })

    it(`${db}: every migration is numbered 1, 2, 3… and each has a pinned hash`, () => {
      expect(LISTS[db].map((m) => m.version)).toEqual(LISTS[db].map((_, i) => i + 1))
      const pinned = new Set(shipped.map((s) => s.version))
      const unpinned = LISTS[db].filter((m) => !pinned.has(m.version)).map((m) => `${m.version} ${m.name} ${hash(m.sql)}`)
      expect(unpinned, 'a new migration ships with its hash in tests/unit/store/shipped-migrations.test.ts').toEqual([])
    })
  }
})
