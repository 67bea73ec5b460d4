import Database from 'better-sqlite3'
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { HISTORY_APPLICATION_ID, HistoryStore } from '../../../electron/store/history/history-store'
import { historyMigrations } from '../../../electron/store/history/migrations/index'
import { APPLICATION_ID } from '../../../electron/store/db'
import { openProject } from '../../../electron/store/project-store'
import { connectionOf } from '../../support/store-connection'

// Files written by the code before the history moved under electron/store (see
// tests/fixtures/databases/README.md): what users already have on disk must open with its data.
const FIXTURES = join(process.cwd(), 'tests/fixtures/databases')

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ds-legacy-'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

function copy(name: string): string {
  copyFileSync(join(FIXTURES, name), join(dir, name))
  return join(dir, name)
}

describe('an inspection history written by the old code', () => {
  it('opens with every record, image, override, counter and outbox row, and is marked as a history file', () => {
    const file = copy('line.history.sqlite')
    const raw = new Database(file, { readonly: true })
    expect(raw.pragma('application_id', { simple: true })).toBe(0)
    expect(raw.pragma('user_version', { simple: true })).toBe(2)
    raw.close()

    const history = HistoryStore.open(file)
    try {
      const { total, rows } = history.inspections.list({})
      expect(total).toBe(3)
      expect(rows.map((r) => [r.partId, r.verdict, r.className])).toEqual([
        ['P-3', 'NO_VERDICT', null],
        ['P-2', 'FAIL', 'scratch'],
        ['P-1', 'PASS', 'free']
      ])
      const p2 = rows[1]!
      expect(p2).toMatchObject({ imageKept: true, scores: { free: 0.2, scratch: 0.8 }, region: { x: 1, y: 2, w: 30, h: 40 }, override: { verdict: 'PASS', className: 'free', actor: 'bob' } })
      expect(history.images.get(p2.id)).toEqual({ mime: 'image/png', bytes: Buffer.from('fake-png-bytes') })
      // The override is the verdict that counts, as before.
      expect(history.inspections.list({ verdict: 'PASS' }).total).toBe(2)
      expect(rows[0]).toMatchObject({ source: 'folder', file: '/line/in/p3.png', reason: 'deadline' })
      expect(history.incidents.list().map((i) => i.kind)).toEqual(['webhook-retry'])
      expect(history.meta.nextCounter('partId')).toBe(4)
      expect(history.hotFolder.seen('/line/in/p3.png')).toMatchObject({ size: 14, mtimeMs: 1764324000000 })
      expect(history.webhookOutbox.oldest()).toMatchObject({ url: 'http://127.0.0.1:9/hook', body: '{"id":2}', attempts: 0 })
      expect(history.lineOutbox.oldest('mqtt://127.0.0.1:1883')).toMatchObject({ topic: 'line/verdict', qos: 1 })
      const db = connectionOf(history)
      expect(db.pragma('user_version', { simple: true })).toBe(historyMigrations.length)
      expect(db.pragma('application_id', { simple: true })).toBe(HISTORY_APPLICATION_ID)
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok')
      // New records go on after the old ones.
      const added = history.inspections.insert({ ...p2, id: 0, partId: 'P-4', time: '2026-11-29T08:00:00.000Z', override: null }, null)
      expect(added.id).toBeGreaterThan(3)
    } finally {
      history.close()
    }
    // And it opens again, marked.
    const again = HistoryStore.open(file)
    expect(again.inspections.list({}).total).toBe(4)
    again.close()
  })

  it('a project file is refused as a history, and a history from a newer version is refused, both with a message', () => {
    const project = copy('line.dsproj')
    expect(() => HistoryStore.open(project)).toThrow(/is a project file/)
    const history = copy('line.history.sqlite')
    const raw = new Database(history)
    raw.pragma(`user_version = ${historyMigrations.length + 1}`)
    raw.close()
    expect(() => HistoryStore.open(history)).toThrow(/newer Defect Studio/)
  })
})

describe('a project written by the old code', () => {
  it('opens with its classes and settings', () => {
    const store = openProject(copy('line.dsproj'))
    try {
      expect(store.classes.list().map((c) => [c.name, c.isGood])).toEqual([
        ['free', true],
        ['scratch', false]
      ])
      expect(store.settings.get('split.valFraction', 0)).toBe(0.25)
      expect(connectionOf(store).pragma('application_id', { simple: true })).toBe(APPLICATION_ID)
      expect(store.integrityCheck()).toBe('ok')
    } finally {
      store.close()
    }
  })
})
