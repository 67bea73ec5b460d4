import { describe, expect, it } from 'vitest'
import { PartPresence, PRESENCE_FRAME, grayFromRgba, type PresenceThresholds } from '../../../shared/inspection/part-presence'
import { DEFAULT_INSPECTION_SETTINGS, InspectionSettings } from '../../../shared/contract/inspection'

/**
 * The part-presence rule on synthetic gray frames: a ribbed belt with sensor noise, a
 * bright disc for a part that slides in, stands still and slides out.
 */
const { width: W, height: H } = PRESENCE_FRAME
const T: PresenceThresholds = DEFAULT_INSPECTION_SETTINGS.presence

function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = Math.imul(a ^ (a >>> 15), a | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** A belt frame (light = gain on the belt), a part at x (fraction of width) when given. */
function frame(r: () => number, opts: { partX?: number; light?: number; noise?: number } = {}): Uint8Array {
  const g = new Uint8Array(W * H)
  const light = opts.light ?? 1
  const noise = opts.noise ?? 6
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      let v = (60 + (y % 4 === 0 ? -8 : 0)) * light + (r() - 0.5) * noise
      if (opts.partX !== undefined && Math.hypot(x - opts.partX * W, y - H / 2) < H * 0.3) v = 190 + (r() - 0.5) * noise
      g[y * W + x] = Math.max(0, Math.min(255, Math.round(v)))
    }
  return g
}

function run(p: PartPresence, frames: Uint8Array[]): { inspected: number[]; states: string[] } {
  const inspected: number[] = []
  const states: string[] = []
  frames.forEach((f, i) => {
    const s = p.step(f, W, H)
    states.push(s.state)
    if (s.inspect) inspected.push(i)
  })
  return { inspected, states }
}

describe('part presence: one part, one verdict', () => {
  it('learns the empty belt, then inspects a part once when it stands still, and again only after it left', () => {
    const r = rng(1)
    const frames: Uint8Array[] = []
    const belt = (n: number): void => void Array.from({ length: n }, () => frames.push(frame(r)))
    const part = (n: number): void => {
      // Slides in over three frames, then stands still.
      for (const x of [0.1, 0.3, 0.45]) frames.push(frame(r, { partX: x }))
      for (let i = 0; i < n; i++) frames.push(frame(r, { partX: 0.5 }))
      for (const x of [0.7, 0.95]) frames.push(frame(r, { partX: x }))
    }
    belt(5)
    part(30)
    belt(6)
    part(8)
    belt(6)
    part(50)
    belt(6)
    const p = new PartPresence(T)
    const { inspected, states } = run(p, frames)
    expect(inspected).toHaveLength(3)
    expect(states.slice(0, T.settleFrames)).toEqual(Array(T.settleFrames).fill('learning'))
    // Each inspection is of the part standing still, not while it slides in.
    for (const i of inspected) expect(states[i]).toBe('inspected')
    expect(states.at(-1)).toBe('empty')
  })

  it('a part that slides through without stopping is not inspected; a slow drift of the light is not a part', () => {
    const r = rng(2)
    const frames: Uint8Array[] = []
    for (let i = 0; i < 5; i++) frames.push(frame(r))
    for (let i = 0; i < 12; i++) frames.push(frame(r, { partX: i / 10 }))
    for (let i = 0; i < 6; i++) frames.push(frame(r))
    // Light rising 30 % over 60 frames: the belt picture follows it while empty.
    for (let i = 0; i < 60; i++) frames.push(frame(r, { light: 1 + (0.3 * i) / 60 }))
    const { inspected, states } = run(new PartPresence(T), frames)
    expect(inspected).toEqual([])
    expect(states.at(-1)).toBe('empty')
  })

  it('a part already standing in view while learning is learnt as the belt (documented limit); reset() relearns', () => {
    const r = rng(3)
    const p = new PartPresence(T)
    const { inspected } = run(p, Array.from({ length: 10 }, () => frame(r, { partX: 0.5 })))
    expect(inspected).toEqual([])
    expect(p.current()).toBe('empty')
    p.reset()
    expect(p.current()).toBe('learning')
  })

  it('a new frame size relearns; a frame of the wrong length is refused with a clear message', () => {
    const p = new PartPresence(T)
    for (let i = 0; i < 5; i++) p.step(new Uint8Array(W * H).fill(50), W, H)
    expect(p.current()).toBe('empty')
    p.step(new Uint8Array(32 * 24).fill(50), 32, 24)
    expect(p.current()).toBe('learning')
    expect(() => p.step(new Uint8Array(10), W, H)).toThrow(/10 gray values for a 64×48 frame/)
  })

  it('gray from RGBA uses BT.601 luma', () => {
    const g = grayFromRgba(new Uint8ClampedArray([255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255, 200, 200, 200, 0]), 4, 1)
    expect([...g]).toEqual([76, 149, 29, 200])
  })

  it('the rule and its thresholds are inspection settings, validated by the contract schema', () => {
    expect(DEFAULT_INSPECTION_SETTINGS.continuousRule).toBe('part-presence')
    expect(InspectionSettings.safeParse(DEFAULT_INSPECTION_SETTINGS).success).toBe(true)
    const bad = InspectionSettings.safeParse({ ...DEFAULT_INSPECTION_SETTINGS, presence: { ...T, settleFrames: 0 } })
    expect(bad.success).toBe(false)
    expect(bad.error?.issues[0]?.path).toEqual(['presence', 'settleFrames'])
    expect(InspectionSettings.safeParse({ ...DEFAULT_INSPECTION_SETTINGS, continuousRule: 'sometimes' }).success).toBe(false)
    expect(InspectionSettings.safeParse({ ...DEFAULT_INSPECTION_SETTINGS, continuousRule: 'every-frame' }).success).toBe(true)
  })
})
