import { describe, expect, it } from 'vitest'
import { decideVerdict, effectiveThreshold, InvalidScoresError, isReject } from '../../../electron/services/inspection/verdict'

const classes = ['ok', 'scratch', 'spot']

describe('decideVerdict', () => {
  it('rejects when the good class probability is below the threshold, even when it is the most probable', () => {
    const d = decideVerdict({ classifier: { classes, goodIndex: 0, probabilities: [0.6, 0.3, 0.1], threshold: 0.7 } })
    expect(d.verdict).toBe('FAIL')
    expect(d.className).toBe('scratch')
    expect(d.confidence).toBeCloseTo(0.3)
    expect(d.scores).toEqual({ ok: 0.6, scratch: 0.3, spot: 0.1 })
  })

  it('passes at or above the threshold and names the good class', () => {
    const d = decideVerdict({ classifier: { classes, goodIndex: 0, probabilities: [0.7, 0.2, 0.1], threshold: 0.7 } })
    expect(d.verdict).toBe('PASS')
    expect(d.className).toBe('ok')
    expect(d.confidence).toBeCloseTo(0.7)
  })

  it('FAILs when either the classifier or the anomaly model says defect', () => {
    const good = { classes, goodIndex: 0, probabilities: [0.9, 0.05, 0.05], threshold: 0.5 }
    const bad = { classes, goodIndex: 0, probabilities: [0.1, 0.1, 0.8], threshold: 0.5 }
    expect(decideVerdict({ classifier: good, anomaly: { score: 0.2, threshold: 0.5 } }).verdict).toBe('PASS')
    const anomalyOnly = decideVerdict({ classifier: good, anomaly: { score: 0.9, threshold: 0.5 } })
    expect(anomalyOnly.verdict).toBe('FAIL')
    expect(anomalyOnly.className).toBe('anomaly')
    expect(anomalyOnly.scores.anomaly).toBe(0.9)
    expect(decideVerdict({ classifier: bad, anomaly: { score: 0.1, threshold: 0.5 } }).className).toBe('spot')
    expect(decideVerdict({ anomaly: { score: 0.5, threshold: 0.5 } }).verdict).toBe('FAIL')
  })

  it('gives NO_VERDICT without a model, and NO_VERDICT is a reject', () => {
    const d = decideVerdict({})
    expect(d).toMatchObject({ verdict: 'NO_VERDICT', reason: 'no-model' })
    expect(isReject('NO_VERDICT')).toBe(true)
    expect(isReject('FAIL')).toBe(true)
    expect(isReject('PASS')).toBe(false)
  })

  it('refuses scores that do not match the classes', () => {
    expect(() => decideVerdict({ classifier: { classes, goodIndex: 0, probabilities: [1, 0], threshold: 0.5 } })).toThrow(InvalidScoresError)
    expect(() => decideVerdict({ classifier: { classes, goodIndex: 0, probabilities: [Number.NaN, 0, 0], threshold: 0.5 } })).toThrow(InvalidScoresError)
    expect(() => decideVerdict({ classifier: { classes, goodIndex: -1, probabilities: [1, 0, 0], threshold: 0.5 } })).toThrow(/no good class/)
  })

  it('lets the project override the model version threshold', () => {
    expect(effectiveThreshold(0.8, null)).toBe(0.8)
    expect(effectiveThreshold(0.8, 0.3)).toBe(0.3)
    expect(effectiveThreshold(null, undefined)).toBe(0.5)
  })
})
