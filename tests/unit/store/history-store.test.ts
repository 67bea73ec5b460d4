import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { InspectionRecord } from '../../../shared/contract/inspection'
import { historyCsv } from '../../../electron/services/inspection/history-csv'
import { HistoryStore, historyFileFor } from '../../../electron/store/history/history-store'

let dir: string
let db: HistoryStore
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ds-history-'))
  db = HistoryStore.open(join(dir, 'line.history.sqlite'))
})
afterEach(() => {
  db.close()
  rmSync(dir, { recursive: true, force: true })
})

function rec(over: Partial<InspectionRecord>): InspectionRecord {
  return {
    id: 0, time: '2026-11-28T10:00:00.000Z', source: 'camera', file: null, partId: 'P-1', actor: 'anna',
    modelVersion: 1, anomalyModelVersion: null, verdict: 'PASS', className: 'ok', confidence: 0.9,
    scores: { ok: 0.9, scratch: 0.1 }, threshold: 0.5, region: { x: 1, y: 2, w: 30, h: 40 }, latencyMs: 12.5,
    reason: null, imageKept: false, override: null, ...over
  }
}

describe('HistoryStore', () => {
  it('sits beside the project with its own name', () => {
    expect(historyFileFor('/data/line1.dsproj')).toBe('/data/line1.history.sqlite')
  })

  it('stores every field and filters by time, verdict, class and model version', () => {
    db.inspections.insert(rec({ time: '2026-11-28T10:00:00.000Z' }), null)
    db.inspections.insert(rec({ time: '2026-11-28T11:00:00.000Z', verdict: 'FAIL', className: 'scratch', modelVersion: 2 }), { bytes: Buffer.from('img'), mime: 'image/png' })
    db.inspections.insert(rec({ time: '2026-11-28T12:00:00.000Z', verdict: 'NO_VERDICT', className: null, reason: 'deadline', modelVersion: 2 }), { bytes: Buffer.from('x'), mime: 'image/png' })
    const all = db.inspections.list({})
    expect(all.total).toBe(3)
    expect(all.rows[0]!.verdict).toBe('NO_VERDICT') // newest first
    expect(all.rows[2]).toMatchObject({ partId: 'P-1', actor: 'anna', scores: { ok: 0.9, scratch: 0.1 }, region: { x: 1, y: 2, w: 30, h: 40 }, latencyMs: 12.5, imageKept: false })
    expect(db.inspections.list({ verdict: 'FAIL' }).rows.map((r) => r.className)).toEqual(['scratch'])
    expect(db.inspections.list({ className: 'ok' }).total).toBe(1)
    expect(db.inspections.list({ modelVersion: 2 }).total).toBe(2)
    expect(db.inspections.list({ from: '2026-11-28T10:30:00.000Z', to: '2026-11-28T11:30:00.000Z' }).total).toBe(1)
    expect(db.inspections.list({}, { limit: 1, offset: 1 }).rows[0]!.verdict).toBe('FAIL')
    expect(db.images.get(all.rows[1]!.id)).toEqual({ mime: 'image/png', bytes: Buffer.from('img') })
  })

  it('exports CSV with quoting and neutralised formulas', () => {
    db.inspections.insert(rec({ file: 'a,"b".png', partId: '=cmd()' }), null)
    const { csv, rows } = historyCsv(db.inspections, {})
    expect(rows).toBe(1)
    const [head, line] = csv.trim().split('\r\n')
    expect(head!.split(',').slice(0, 6)).toEqual(['id', 'time', 'source', 'file', 'partId', 'actor'])
    expect(line).toContain('"a,""b"".png"')
    expect(line).toContain(",'=cmd(),")
  })

  it('records an override; the override is the verdict that filters count', () => {
    const r = db.inspections.insert(rec({ verdict: 'FAIL', className: 'scratch' }), { bytes: Buffer.from('i'), mime: 'image/png' })
    const o = db.inspections.setOverride(r.id, { verdict: 'PASS', className: 'ok', actor: 'bob' })
    expect(o!.override).toMatchObject({ verdict: 'PASS', className: 'ok', actor: 'bob' })
    expect(o!.verdict).toBe('FAIL')
    expect(db.inspections.list({ verdict: 'PASS' }).total).toBe(1)
    expect(db.inspections.list({ verdict: 'FAIL' }).total).toBe(0)
  })

  it('applies retention by age, then by size (PASS samples first); records stay', () => {
    const now = Date.parse('2026-11-28T12:00:00.000Z')
    const old = db.inspections.insert(rec({ time: '2026-10-01T00:00:00.000Z', verdict: 'FAIL' }), { bytes: Buffer.alloc(100), mime: 'image/png' })
    const fail = db.inspections.insert(rec({ time: '2026-11-28T09:00:00.000Z', verdict: 'FAIL' }), { bytes: Buffer.alloc(100), mime: 'image/png' })
    const pass = db.inspections.insert(rec({ time: '2026-11-28T10:00:00.000Z', verdict: 'PASS' }), { bytes: Buffer.alloc(100), mime: 'image/png' })
    expect(db.images.applyRetention({ maxDays: 30 }, now).deleted).toBe(1)
    expect(db.images.get(old.id)).toBeNull()
    expect(db.images.applyRetention({ maxBytes: 150 }, now).deleted).toBe(1)
    expect(db.images.get(pass.id)).toBeNull()
    expect(db.images.get(fail.id)).not.toBeNull()
    expect(db.inspections.list({}).total).toBe(3)
    expect(db.inspections.get(pass.id)!.imageKept).toBe(false)
  })

  it('keeps counters and its schema across reopen', () => {
    expect(db.meta.nextCounter('part')).toBe(1)
    expect(db.meta.nextCounter('part')).toBe(2)
    db.close()
    db = HistoryStore.open(join(dir, 'line.history.sqlite'))
    expect(db.meta.nextCounter('part')).toBe(3)
  })
})
