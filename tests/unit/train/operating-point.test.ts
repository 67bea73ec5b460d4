import { describe, expect, it } from 'vitest'
import { chooseOperatingPoint, describeOperatingPoint, goodProbabilities, OperatingPointError } from '../../../electron/engine/train/operating-point'

/** pGood of 10 good and 5 defect validation images (reject when pGood < t). */
const good = [0.99, 0.98, 0.97, 0.95, 0.9, 0.85, 0.8, 0.7, 0.45, 0.3]
const defect = [0.6, 0.4, 0.2, 0.1, 0.05]
const p = [...good, ...defect]
const isGood = p.map((_, i) => i < good.length)

describe('classifier operating point', () => {
  it('missed-defect target: the lowest threshold that passes at most ⌊r·D⌋ defects, midway between two scores', () => {
    const none = chooseOperatingPoint(p, isGood, { target: 'missed-defect-rate', rate: 0 })
    // Every defect rejected: t above the highest defect (0.6), midway to the next score (0.7).
    expect(none.threshold).toBeCloseTo(0.65)
    expect(none).toMatchObject({ chosenOn: 'validation', allowed: 0, missedDefects: 0, defectImages: 5, falseRejects: 2, goodImages: 10 })
    const one = chooseOperatingPoint(p, isGood, { target: 'missed-defect-rate', rate: 0.2 })
    // One defect may pass (the 0.6 one): t above 0.4, midway to 0.45.
    expect(one.threshold).toBeCloseTo(0.425)
    expect(one).toMatchObject({ allowed: 1, missedDefects: 1, falseRejects: 1 })
  })

  it('false-reject target: the highest threshold that rejects at most ⌊r·G⌋ good images', () => {
    const none = chooseOperatingPoint(p, isGood, { target: 'false-reject-rate', rate: 0 })
    // No good image rejected: t at most 0.3, midway down to the next score (0.2).
    expect(none.threshold).toBeCloseTo(0.25)
    expect(none).toMatchObject({ allowed: 0, falseRejects: 0, missedDefects: 2 })
    const two = chooseOperatingPoint(p, isGood, { target: 'false-reject-rate', rate: 0.25 })
    expect(two).toMatchObject({ allowed: 2, falseRejects: 2, missedDefects: 0 })
    expect(two.threshold).toBeCloseTo(0.65)
  })

  it('the counts it reports are the ones a threshold of that value gives (inspection rejects below it)', () => {
    for (const rate of [0, 0.05, 0.2, 0.5, 0.9]) {
      for (const target of ['missed-defect-rate', 'false-reject-rate'] as const) {
        const op = chooseOperatingPoint(p, isGood, { target, rate })
        const fr = good.filter((x) => x < op.threshold).length
        const md = defect.filter((x) => x >= op.threshold).length
        expect([op.falseRejects, op.missedDefects]).toEqual([fr, md])
        if (target === 'missed-defect-rate') expect(md).toBeLessThanOrEqual(Math.floor(rate * defect.length))
        else expect(fr).toBeLessThanOrEqual(Math.floor(rate * good.length))
        // Never exactly on an observed score.
        expect(p).not.toContain(op.threshold)
      }
    }
  })

  it('without defect (or good) validation images it keeps 0.5 and says why', () => {
    const noDefects = chooseOperatingPoint(good, good.map(() => true), { target: 'missed-defect-rate', rate: 0.01 })
    expect(noDefects).toMatchObject({ threshold: 0.5, chosenOn: 'default' })
    expect(noDefects.note).toMatch(/No defect image in the validation split/)
    expect(describeOperatingPoint(noDefects)).toMatch(/default/)
    const noGood = chooseOperatingPoint(defect, defect.map(() => false), { target: 'false-reject-rate', rate: 0.01 })
    expect(noGood).toMatchObject({ threshold: 0.5, chosenOn: 'default' })
  })

  it('refuses a rate outside [0, 1) or an unknown target, naming it', () => {
    expect(() => chooseOperatingPoint(p, isGood, { target: 'missed-defect-rate', rate: 1 })).toThrow(OperatingPointError)
    expect(() => chooseOperatingPoint(p, isGood, { target: 'missed-defect-rate', rate: -0.1 })).toThrow(/between 0 and 1/)
    expect(() => chooseOperatingPoint(p, isGood, { target: 'recall' as never, rate: 0.1 })).toThrow(/missed-defect-rate/)
  })

  it('reads the good class probability from logits [N, C]', () => {
    const logits = new Float32Array([Math.log(3), 0, 0, 0, 0, Math.log(2)])
    const pg = goodProbabilities(logits, 3, 0)
    expect(pg[0]).toBeCloseTo(0.6)
    expect(pg[1]).toBeCloseTo(0.25)
  })
})
