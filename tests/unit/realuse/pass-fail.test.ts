import { describe, expect, it } from 'vitest'
import { modelWarnings, passFailFromLogits } from '../../../electron/engine/train/pass-fail'

/** Logits [N, 2] giving the good class (index 0) probability p: logit(p) on class 0, 0 on class 1. */
function logitsFor(pGood: number[]): Float32Array {
  const out = new Float32Array(pGood.length * 2)
  pGood.forEach((p, i) => (out[i * 2] = Math.log(p / (1 - p))))
  return out
}

describe('PASS/FAIL metrics against the always-good baseline', () => {
  it('counts missed defects and false rejects at the threshold', () => {
    // 7 good (index 0) and 3 defects (index 1)
    const labels = [0, 0, 0, 0, 0, 0, 0, 1, 1, 1]
    const p = [0.9, 0.8, 0.7, 0.6, 0.4, 0.9, 0.9, 0.2, 0.6, 0.3]
    const pf = passFailFromLogits(logitsFor(p), labels, 2, 0)
    expect(pf).toMatchObject({ goodImages: 7, falseRejects: 1, defectImages: 3, missedDefects: 1, threshold: 0.5 })
    expect(pf.falseRejectRate).toBeCloseTo(1 / 7)
    expect(pf.missedDefectRate).toBeCloseTo(1 / 3)
    expect(pf.baseline).toBeCloseTo(0.7)
  })

  it('warns loudly when a model is worse than always answering good, or rejects everything', () => {
    const labels = [0, 0, 0, 0, 0, 0, 0, 1, 1, 1]
    const rejectAll = passFailFromLogits(logitsFor(new Array(10).fill(0.1)), labels, 2, 0)
    const w = modelWarnings({ accuracy: 0.3, count: 10 }, rejectAll, 'free')
    expect(w.join(' ')).toMatch(/below the 70\.0% of always answering "free"/)
    expect(w.join(' ')).toMatch(/Every good image .* rejected \(7 of 7\)/)
    const passAll = passFailFromLogits(logitsFor(new Array(10).fill(0.9)), labels, 2, 0)
    expect(modelWarnings({ accuracy: 0.7, count: 10 }, passAll, 'free').join(' ')).toMatch(/No defect image .* caught \(3 of 3/)
    expect(modelWarnings({ accuracy: 1, count: 10 }, passFailFromLogits(logitsFor(p10()), labels, 2, 0), 'free')).toEqual([])
  })

  it('without a good class nothing passes or fails, and says what to do', () => {
    const pf = passFailFromLogits(logitsFor([0.9, 0.1]), [0, 1], 2, null)
    expect(pf).toMatchObject({ threshold: null, baseline: null, missedDefectRate: null, falseRejectRate: null })
    expect(modelWarnings({ accuracy: 1, count: 2 }, pf, null)[0]).toMatch(/No class is marked good.*classes --good/)
  })
})

function p10(): number[] {
  return [0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.1, 0.1, 0.1]
}
