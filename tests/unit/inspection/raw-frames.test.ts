import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { inspectionChannels } from '../../../shared/contract/inspection'
import { Inspector, rawPixels } from '../../../electron/engine/infer/inspector'
import { preprocessImage, preprocessPrepared, preprocessRgb, type Fit } from '../../../electron/imaging/preprocess'
import { planInput, prepareInput } from '../../../shared/imaging/input-plan'
import { LocalInspectionEngine } from '../../../electron/services/inspection/local-engine'
import { storeModelLoader } from '../../../electron/services/inspection/manager'
import { InspectionService } from '../../../electron/services/inspection/service'
import type { ProjectStore } from '../../../electron/store/project-store'
import { createTinyProject, TINY, tinyModelBytes } from './fixture'
import { detailedPicture, pngOf, rgbaOf } from '../../support/frame-pictures'

/**
 * Camera frames travel raw (RGBA pixels, no JPEG; electron/services/inspection/README.md,
 * Frames). The model must see exactly what it sees when the same picture is imported as a
 * file: same tensor bit for bit, same probabilities, same heatmap. A kept raw frame is
 * stored losslessly, so inspecting the kept image again gives the same verdict.
 */
let dir: string




beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ds-raw-frames-'))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('raw camera frames', () => {
  it('give the model the same tensor, bit for bit, as the same picture imported as a PNG file', async () => {
    const cases: Array<{ w: number; h: number; size: number; fit: Fit; roi?: { x: number; y: number; w: number; h: number }; grey?: boolean }> = [
      { w: 640, h: 480, size: 64, fit: 'whole' },
      { w: 640, h: 480, size: 224, fit: 'crop' },
      { w: 157, h: 103, size: 32, fit: 'whole', roi: { x: 11, y: 7, w: 90, h: 61 } },
      { w: 97, h: 131, size: 96, fit: 'whole' }, // upscaled
      { w: 64, h: 64, size: 64, fit: 'whole' }, // no resize at all
      { w: 200, h: 150, size: 64, fit: 'crop', grey: true }
    ]
    for (const c of cases) {
      const rgb = detailedPicture(c.w, c.h, c.grey)
      const file = await preprocessImage(await pngOf(rgb, c.w, c.h, c.grey), { size: c.size, fit: c.fit, roi: c.roi })
      const raw = preprocessRgb(rawPixels(rgbaOf(rgb), { width: c.w, height: c.h, format: 'rgba' }), { size: c.size, fit: c.fit, roi: c.roi })
      expect(raw.tensor.length, JSON.stringify(c)).toBe(3 * c.size * c.size)
      // Compared as bits: no tolerance.
      expect(Buffer.from(raw.tensor.buffer).equals(Buffer.from(file.tensor.buffer)), JSON.stringify(c)).toBe(true)
      expect(raw.region).toEqual(file.region)
    }
  })

  it('prepared in the renderer (crop to the region, exact resize) give the full frame\'s tensor and region, bit for bit', async () => {
    const cases: Array<{ w: number; h: number; size: number; fit: Fit; roi?: { x: number; y: number; w: number; h: number } | null }> = [
      { w: 640, h: 480, size: 64, fit: 'whole' },
      { w: 640, h: 480, size: 224, fit: 'whole', roi: { x: 100, y: 40, w: 301, h: 257 } },
      { w: 640, h: 480, size: 64, fit: 'crop' },
      { w: 157, h: 103, size: 32, fit: 'crop', roi: { x: 3, y: 5, w: 120, h: 90 } },
      { w: 40, h: 30, size: 64, fit: 'whole' } // upscaled
    ]
    for (const c of cases) {
      const rgb = detailedPicture(c.w, c.h)
      const file = await preprocessImage(await pngOf(rgb, c.w, c.h), { size: c.size, fit: c.fit, roi: c.roi ?? undefined })
      const spec = { size: c.size, fit: c.fit, roi: c.roi ?? null }
      const prepared = prepareInput({ data: rgbaOf(rgb), width: c.w, height: c.h, channels: 4 }, planInput(c.w, c.h, spec))
      if (c.w > c.size) expect(prepared.data.byteLength, JSON.stringify(c)).toBeLessThan(c.w * c.h * 4)
      const engine = preprocessPrepared(prepared, { width: c.w, height: c.h }, { size: c.size, fit: c.fit, roi: c.roi ?? undefined })
      expect(Buffer.from(engine.tensor.buffer).equals(Buffer.from(file.tensor.buffer)), JSON.stringify(c)).toBe(true)
      expect(engine.region).toEqual(file.region)
    }
  })

  it('get the same probabilities and heatmap from the Inspector as the PNG file, and a wrong size is refused', async () => {
    const inspector = new Inspector({ threads: 1 })
    try {
      const { onnx, weights } = tinyModelBytes(5)
      await inspector.loadClassifier('c', { onnx, weights, size: TINY.size })
      const w = 120
      const h = 90
      const rgb = detailedPicture(w, h)
      const req = { classifier: { key: 'c', fit: 'whole' as const }, anomaly: null, roi: null, heatmap: true }
      const fromFile = await inspector.inspect(await pngOf(rgb, w, h), req)
      const fromRaw = await inspector.inspect(rgbaOf(rgb), { ...req, raw: { width: w, height: h, format: 'rgba' } })
      expect(fromRaw.probabilities).toEqual(fromFile.probabilities)
      expect(fromRaw.heatmap).toEqual(fromFile.heatmap)
      await expect(inspector.inspect(rgbaOf(rgb), { ...req, raw: { width: w + 1, height: h, format: 'rgba' } })).rejects.toThrow(/121×90 rgba frame has 43560 bytes; this one has 43200/)
      // Prepared on the screen: same probabilities and heatmap (mapped onto the full frame).
      const spec = { size: TINY.size, fit: 'whole' as const, roi: null }
      const input = prepareInput({ data: rgbaOf(rgb), width: w, height: h, channels: 4 }, planInput(w, h, spec))
      const prepared = { frameWidth: w, frameHeight: h, ...spec }
      const fromPrepared = await inspector.inspect(input.data, { ...req, raw: { width: input.width, height: input.height, format: 'rgb', prepared } })
      expect(fromPrepared.probabilities).toEqual(fromFile.probabilities)
      expect(fromPrepared.heatmap).toEqual(fromFile.heatmap)
      // Prepared for another input (the region changed while the frame travelled): refused, never guessed.
      await expect(
        inspector.inspect(input.data, { ...req, roi: { x: 0, y: 0, w: 60, h: 60 }, raw: { width: input.width, height: input.height, format: 'rgb', prepared } })
      ).rejects.toThrow(/prepared for 32 px whole; the model needs 32 px whole region 0,0 60×60/)
      await expect(
        inspector.inspect(input.data, { ...req, raw: { width: input.width, height: input.height, format: 'rgb', prepared: { ...prepared, size: 64 } } })
      ).rejects.toThrow(/prepared for 64 px whole; the model needs 32 px whole/)
    } finally {
      await inspector.release()
    }
  })

  it('are refused by the channel when the bytes do not match the stated size', () => {
    const schema = inspectionChannels['inspection:frame'].payload
    const ok = schema.safeParse({ image: new Uint8Array(4 * 6), raw: { width: 3, height: 2, format: 'rgba' }, capturedAt: 1 })
    expect(ok.success).toBe(true)
    const short = schema.safeParse({ image: new Uint8Array(4 * 6 - 1), raw: { width: 3, height: 2, format: 'rgba' }, capturedAt: 1 })
    expect(short.success).toBe(false)
    expect(short.error?.issues[0]?.message).toMatch(/3×2 rgba frame has 24 bytes, this one 23/)
    expect(schema.safeParse({ image: new Uint8Array(24), raw: { width: 3, height: 2, format: 'bgra' }, capturedAt: 1 }).success).toBe(false)
    expect(schema.safeParse({ image: new Uint8Array(0), raw: { width: 0, height: 2, format: 'rgba' }, capturedAt: 1 }).success).toBe(false)
  })
})

describe('a kept raw frame', () => {
  let store: ProjectStore
  let engine: LocalInspectionEngine
  let service: InspectionService
  beforeAll(() => {
    process.env.DEFECT_STUDIO_DATA_DIR = join(tmpdir(), 'ds-data')
    store = createTinyProject(join(dir), { threshold: 0.4 })
    engine = new LocalInspectionEngine(storeModelLoader(store), { threads: 1 })
    service = new InspectionService({ project: store, engine, modelCheckMs: 0 })
  })
  afterAll(async () => {
    await service.close()
    await engine.release()
    store.close()
  })

  it('prepared on the screen is stored as the PNG of what the model saw; inspecting it again gives the same verdict', async () => {
    service.updateSettings({ passSampleEvery: 1, deadlineMs: 60_000 })
    await service.start({ source: 'camera' })
    const w = 160
    const h = 120
    const spec = { size: TINY.size, fit: 'whole' as const, roi: null }
    const input = prepareInput({ data: rgbaOf(detailedPicture(w, h)), width: w, height: h, channels: 4 }, planInput(w, h, spec))
    const raw = { width: input.width, height: input.height, format: 'rgb' as const, prepared: { frameWidth: w, frameHeight: h, ...spec } }
    const live = await service.submit({ image: Buffer.from(input.data), raw, capturedAt: Date.now(), source: 'camera', triggered: true })
    if (live.dropped) throw new Error('a triggered frame is never dropped')
    const kept = service.image(live.record.id)
    const decoded = await sharp(Buffer.from(kept.bytes)).raw().toBuffer({ resolveWithObject: true })
    expect([decoded.info.width, decoded.info.height]).toEqual([TINY.size, TINY.size])
    expect(decoded.data.equals(Buffer.from(input.data))).toBe(true)
    const again = await service.submit({ image: Buffer.from(kept.bytes), capturedAt: Date.now(), source: 'file', file: 'kept.png', triggered: true })
    if (again.dropped) throw new Error('a triggered frame is never dropped')
    expect(again.record.scores).toEqual(live.record.scores)
    expect(again.record.verdict).toBe(live.record.verdict)
    await service.stop()
  })

  it('is stored as a lossless PNG of the frame, and inspecting that file again gives the same verdict', async () => {
    // Every PASS kept too, so the check does not depend on what the untrained model says.
    service.updateSettings({ passSampleEvery: 1, deadlineMs: 60_000 })
    await service.start({ source: 'camera' })
    const w = 160
    const h = 120
    const rgb = detailedPicture(w, h)
    const live = await service.submit({ image: Buffer.from(rgbaOf(rgb)), raw: { width: w, height: h, format: 'rgba' }, capturedAt: Date.now(), source: 'camera', triggered: true })
    if (live.dropped) throw new Error('a triggered frame is never dropped')
    expect(live.record.imageKept).toBe(true)
    const kept = service.image(live.record.id)
    expect(kept.mime).toBe('image/png')
    const decoded = await sharp(Buffer.from(kept.bytes)).raw().toBuffer({ resolveWithObject: true })
    expect([decoded.info.width, decoded.info.height, decoded.info.channels]).toEqual([w, h, 3])
    expect(decoded.data.equals(Buffer.from(rgb))).toBe(true)
    const again = await service.submit({ image: Buffer.from(kept.bytes), capturedAt: Date.now(), source: 'file', file: 'kept.png', triggered: true })
    if (again.dropped) throw new Error('a triggered frame is never dropped')
    expect(again.record.verdict).toBe(live.record.verdict)
    expect(again.record.className).toBe(live.record.className)
    expect(again.record.scores).toEqual(live.record.scores)
    await service.stop()
  })
})
