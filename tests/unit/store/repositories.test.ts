import { createHash } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createProject, type ProjectStore } from '../../../electron/store/project-store'
import type { NewImage } from '../../../electron/store/repositories/images-repo'
import { StoreConflictError } from '../../../electron/store/errors'
import { connectionOf } from '../../support/store-connection'

let dir: string
let store: ProjectStore
let n = 0
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ds-repo-'))
})
afterAll(async () => {
  store?.close()
  await rm(dir, { recursive: true, force: true })
})
beforeEach(() => {
  store?.close()
  store = createProject(join(dir, `r${++n}.dsproj`))
})

/** A fake image row: the repositories do not decode, so any bytes do. */
function fakeImage(i: number, extra: Partial<NewImage> = {}): NewImage {
  const bytes = Buffer.from(`image-${i}-${extra.className ?? ''}`)
  return {
    sha256: createHash('sha256').update(bytes).digest('hex'),
    bytes,
    width: 64,
    height: 48,
    channels: 3,
    format: 'png',
    originalName: `img-${i}.png`,
    thumbnail: { mime: 'image/webp', width: 8, height: 6, bytes: Buffer.from('thumb') },
    ...extra
  }
}

function addMany(count: number, className?: string, offset = 0): number[] {
  const results = store.images.addMany(Array.from({ length: count }, (_, i) => fakeImage(offset + i, className ? { className } : {})))
  return results.map((r) => {
    if (r.status !== 'imported') throw new Error('unexpected duplicate')
    return r.id
  })
}

describe('classes', () => {
  it('create, rename, recolour, mark good, reorder; names unique ignoring case', () => {
    const a = store.classes.create({ name: 'Scratch' })
    const ok = store.classes.create({ name: 'OK', isGood: true })
    expect(() => store.classes.create({ name: 'scratch' })).toThrow(StoreConflictError)
    expect(() => store.classes.create({ name: '  ' })).toThrow(/empty/)
    expect(store.classes.update(a.id, { name: 'Kratzer', colour: '#112233' })).toMatchObject({ name: 'Kratzer', colour: '#112233' })
    expect(() => store.classes.update(a.id, { name: 'ok' })).toThrow(/already exists/)
    store.classes.update(a.id, { isGood: true })
    expect(store.classes.list().filter((c) => c.isGood).map((c) => c.name)).toEqual(['Kratzer'])
    expect(store.classes.reorder([ok.id, a.id]).map((c) => c.name)).toEqual(['OK', 'Kratzer'])
  })

  it('merge moves labels (with history) and delete unlabels, with counts', () => {
    const ids = addMany(4, 'spot')
    addMany(2, 'dot', 10)
    const spot = store.classes.findByName('spot')!
    const dot = store.classes.findByName('dot')!
    const merged = store.classes.merge(dot.id, spot.id, store.labels.nextActionId())
    expect(merged.moved).toBe(2)
    expect(store.classes.listWithCounts().map((c) => [c.name, c.count])).toEqual([['spot', 6]])
    const removed = store.classes.delete(spot.id, store.labels.nextActionId())
    expect(removed.unlabelled).toBe(6)
    expect(store.images.list({ classId: null }).total).toBe(6)
    expect(store.labels.history(ids[0]!).map((h) => h.source)).toEqual(['import', 'class-delete'])
  })
})

describe('labels', () => {
  it('set records history in the same transaction; undo reverts the last user action', () => {
    const [a, b] = addMany(2)
    const cls = store.classes.create({ name: 'crack' })
    const other = store.classes.create({ name: 'dent' })
    expect(store.labels.set([a!, b!], cls.id)).toMatchObject({ changed: 2 })
    expect(store.labels.set([a!], cls.id).changed).toBe(0) // unchanged labels are not re-logged
    store.labels.set([a!], other.id)
    expect(store.labels.get(a!)).toBe(other.id)
    expect(store.labels.undoLast()?.imageIds).toEqual([a])
    expect(store.labels.get(a!)).toBe(cls.id)
    store.labels.undoLast()
    expect([store.labels.get(a!), store.labels.get(b!)]).toEqual([null, null])
    expect(store.labels.undoLast()).toBeNull()
    expect(store.labels.history(a!).map((h) => [h.oldClassId, h.newClassId, h.source])).toEqual([
      [null, cls.id, 'user'],
      [cls.id, other.id, 'user'],
      [other.id, cls.id, 'undo'],
      [cls.id, null, 'undo']
    ])
  })

  it('a failing batch changes nothing (one transaction)', () => {
    const [a] = addMany(1)
    const cls = store.classes.create({ name: 'crack' })
    expect(() => store.labels.set([a!, 99999], cls.id)).toThrow(/Image 99999/)
    expect(store.labels.get(a!)).toBeNull()
    expect(store.labels.history(a!)).toEqual([])
  })
})

describe('splits', () => {
  it('are stratified per class: round(0.2 n) validation images each', () => {
    addMany(50, 'ok')
    addMany(10, 'spot', 100)
    addMany(3, 'rare', 200)
    const counts = Object.fromEntries(store.classes.listWithCounts().map((c) => [c.name, [c.train, c.val]]))
    expect(counts).toEqual({ ok: [40, 10], spot: [8, 2], rare: [2, 1] })
  })

  it('are deterministic: the same images labelled the same way give the same split', () => {
    addMany(30, 'ok')
    const first = store.images.listLabelled().map((i) => `${i.sha256}:${i.split}`)
    store.close()
    store = createProject(join(dir, `r${++n}.dsproj`))
    addMany(30, 'ok')
    expect(store.images.listLabelled().map((i) => `${i.sha256}:${i.split}`)).toEqual(first)
  })

  it('are stable: adding images never moves an assigned image', () => {
    addMany(20, 'ok')
    const before = new Map(store.images.listLabelled().map((i) => [i.id, i.split]))
    addMany(13, 'ok', 100)
    addMany(7, 'ok', 200)
    const after = store.images.listLabelled()
    for (const [id, split] of before) expect(after.find((i) => i.id === id)!.split).toBe(split)
    expect(after.filter((i) => i.split === 'val')).toHaveLength(8) // still round(0.2 · 40)
  })

  it('keep a folder val/ as validation and honour a changed fraction for new images', () => {
    store.images.add(fakeImage(1, { className: 'ok', split: 'val' }))
    store.images.add(fakeImage(2, { className: 'ok', split: 'val' }))
    expect(store.splits.counts()).toEqual({ train: 0, val: 2 })
    store.settings.set('split.valFraction', 0.5)
    addMany(6, 'ok', 10)
    expect(store.splits.counts()).toEqual({ train: 4, val: 4 })
  })
})

describe('images: listing and paging', () => {
  it('pages 20,000 images by filter using indices', () => {
    store.classes.create({ name: 'ok', isGood: true })
    addMany(15_000, 'ok')
    addMany(4_000, 'scratch', 100_000)
    addMany(1_000, undefined, 200_000)
    expect(store.images.count()).toBe(20_000)
    const page = store.images.list({ classId: store.classes.findByName('scratch')!.id, split: 'val' }, { offset: 700, limit: 50 })
    expect(page.total).toBe(800)
    expect(page.items).toHaveLength(50)
    expect(page.items.every((i) => i.split === 'val')).toBe(true)
    const unlabelled = store.images.list({ classId: null }, { offset: 990, limit: 100 })
    expect([unlabelled.total, unlabelled.items.length]).toEqual([1000, 10])
    expect(store.images.list({ search: '-14999.' }).items.map((i) => i.originalName)).toEqual(['img-14999.png'])
    expect(store.images.list({ search: '%' }).total).toBe(0) // LIKE wildcards are literal
    // Filters by class go through the label index, not a scan of every image.
    const plan = connectionOf(store)
      .prepare('EXPLAIN QUERY PLAN SELECT i.id FROM images i LEFT JOIN labels l ON l.image_id = i.id WHERE l.class_id = ? ORDER BY i.id LIMIT 50')
      .all(1) as Array<{ detail: string }>
    expect(plan.map((p) => p.detail).join(' | ')).toMatch(/labels_class/)
  })

  it('returns bytes and thumbnails, and reports a duplicate with what it duplicates', () => {
    const r = store.images.add(fakeImage(1, { sourcePath: '/line3/a.png' }))
    expect(r.status).toBe('imported')
    const again = store.images.add(fakeImage(1))
    expect(again).toMatchObject({ status: 'duplicate', sameAs: '/line3/a.png' })
    const id = (r as { id: number }).id
    expect(store.images.bytes(id).bytes.toString()).toBe('image-1-')
    expect(store.images.thumbnail(id).mime).toBe('image/webp')
  })
})

describe('models, runs, checkpoints, embeddings, settings', () => {
  const model = (kind: 'classifier' | 'anomaly', activate = false) => ({
    kind,
    architecture: 'resnet18@0.25',
    classes: ['ok', 'scratch'],
    onnx: Buffer.from('onnx-bytes'),
    metrics: { accuracy: 0.9 },
    config: { size: 64, fit: 'whole' },
    dataFingerprint: store.labels.fingerprint(),
    activate
  })

  it('versions, one active per kind, activate and rollback', () => {
    const v1 = store.models.add(model('classifier', true))
    const v2 = store.models.add(model('anomaly', true))
    const v3 = store.models.add(model('classifier', true))
    expect([v1.version, v2.version, v3.version]).toEqual([1, 2, 3])
    expect(store.models.active('classifier')?.version).toBe(3)
    expect(store.models.active('anomaly')?.version).toBe(2)
    expect(store.models.rollback('classifier')?.version).toBe(1)
    expect(store.models.active('classifier')?.version).toBe(1)
    expect(store.models.rollback('classifier')).toBeNull()
    expect(store.models.onnx(3).toString()).toBe('onnx-bytes')
    expect(store.models.list('classifier').map((m) => [m.version, m.active])).toEqual([
      [1, true],
      [3, false]
    ])
    expect(() => store.models.delete(1)).toThrow(/is active/)
  })

  it('training runs with epochs, checkpoints keep the newest', () => {
    const run = store.runs.start({ kind: 'classifier', config: { epochs: 3 } })
    store.runs.recordEpoch(run.id, 1, { loss: 1 })
    store.runs.recordEpoch(run.id, 1, { loss: 0.9 }) // replaced after a resume
    store.runs.recordEpoch(run.id, 2, { loss: 0.5 })
    expect(store.runs.epochs(run.id).map((e) => e.metrics.loss)).toEqual([0.9, 0.5])
    for (let e = 1; e <= 4; e++) store.checkpoints.save({ runId: run.id, epoch: e, step: e * 10, state: { e }, weights: Buffer.from([e]) }, 2)
    expect(store.checkpoints.latest(run.id)).toMatchObject({ epoch: 4, state: { e: 4 } })
    expect((connectionOf(store).prepare('SELECT count(*) AS n FROM checkpoints').get() as { n: number }).n).toBe(2)
    expect(store.runs.markRunningAsInterrupted()).toBe(1)
    expect(store.runs.finish(run.id, { status: 'failed', error: 'boom' })).toMatchObject({ status: 'failed', error: 'boom' })
  })

  it('embedding cache round-trips Float32 vectors; settings hold JSON', () => {
    const v = new Float32Array([1.5, -2, 3.25])
    store.embeddings.putMany([{ sha256: 'a', vector: v }], 'bb')
    expect(Array.from(store.embeddings.get('a', 'bb')!)).toEqual([1.5, -2, 3.25])
    expect(store.embeddings.getMany(['a', 'b'], 'bb').size).toBe(1)
    expect(store.embeddings.get('a', 'other')).toBeNull()
    store.settings.set('inspection.fit', 'whole')
    store.settings.set('roi', { x: 1 })
    expect(store.settings.get('roi', null)).toEqual({ x: 1 })
    expect(store.settings.all()).toEqual({ 'inspection.fit': 'whole', roi: { x: 1 } })
  })
})
