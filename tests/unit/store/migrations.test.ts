import Database from 'better-sqlite3'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { APPLICATION_ID, migrate, openDatabase } from '../../../electron/store/db'
import { ProjectFileError } from '../../../electron/store/errors'
import { migrations } from '../../../electron/store/migrations/index'
import { createProject, openProject } from '../../../electron/store/project-store'
import { connectionOf } from '../../support/store-connection'

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ds-migrate-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

const EXPECTED_TABLES = [
  'checkpoints',
  'classes',
  'embedding_cache',
  'image_data',
  'images',
  'label_history',
  'labels',
  'model_blobs',
  'models',
  'predictions',
  'settings',
  'splits',
  'thumbnails',
  'training_epochs',
  'training_runs'
]

describe('migrations', () => {
  it('build the whole schema from an empty file, with the durability pragmas set', () => {
    const store = createProject(join(dir, 'fresh.dsproj'))
    try {
      const tables = connectionOf(store).prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all()
      expect(tables).toEqual(EXPECTED_TABLES)
      expect(connectionOf(store).pragma('user_version', { simple: true })).toBe(migrations.length)
      expect(connectionOf(store).pragma('application_id', { simple: true })).toBe(APPLICATION_ID)
      expect(connectionOf(store).pragma('journal_mode', { simple: true })).toBe('wal')
      expect(connectionOf(store).pragma('foreign_keys', { simple: true })).toBe(1)
      expect(connectionOf(store).pragma('synchronous', { simple: true })).toBe(2) // FULL
      expect(store.integrityCheck()).toBe('ok')
    } finally {
      store.close()
    }
  })

  it('are numbered 1..n without gaps, and re-opening applies nothing twice', () => {
    expect(migrations.map((m) => m.version)).toEqual(migrations.map((_, i) => i + 1))
    const file = join(dir, 'twice.dsproj')
    createProject(file).close()
    const store = openProject(file)
    try {
      expect(migrate(connectionOf(store))).toBe(migrations.length)
    } finally {
      store.close()
    }
  })

  it('bring a file at every older version up to date', () => {
    for (let v = 0; v < migrations.length; v++) {
      const file = join(dir, `old-${v}.dsproj`)
      openDatabase(file, { create: true, migrations: migrations.slice(0, v) }).close()
      const store = openProject(file)
      expect(connectionOf(store).pragma('user_version', { simple: true })).toBe(migrations.length)
      store.close()
    }
  })

  it('refuse files that are not projects, or from a newer version, with a clear reason', async () => {
    await writeFile(join(dir, 'text.dsproj'), 'just some text, not SQLite at all'.repeat(50))
    expect(() => openProject(join(dir, 'text.dsproj'))).toThrow(ProjectFileError)
    expect(() => openProject(join(dir, 'text.dsproj'))).toThrow(/not a Defect Studio project or is damaged/)

    const other = new Database(join(dir, 'other.sqlite'))
    other.exec('CREATE TABLE notes (x TEXT)')
    other.close()
    expect(() => openProject(join(dir, 'other.sqlite'))).toThrow(/SQLite database but not a Defect Studio project/)

    const future = join(dir, 'future.dsproj')
    createProject(future).close()
    const raw = new Database(future)
    raw.pragma(`user_version = ${migrations.length + 5}`)
    raw.close()
    expect(() => openProject(future)).toThrow(/newer Defect Studio/)

    expect(() => openProject(join(dir, 'missing.dsproj'))).toThrow(/does not exist/)
    expect(() => createProject(future)).toThrow(/already exists/)
  })
})
