import { describe, expect, it } from 'vitest'
import { flushPromises } from '@vue/test-utils'
import type { AnomalyDonePayload } from '../../shared/contract/anomaly'
import { mountTrainView } from './helpers'

const stubs = {
  TrainingChart: { template: '<div />', props: ['steps', 'epochs'] },
  Echarts: { template: '<div data-testid="roc-chart-stub">{{ option.series[0].data.length }} points</div>', props: ['option'] }
}

const done = (overrides: Partial<AnomalyDonePayload> = {}): AnomalyDonePayload => ({
  status: 'done',
  modelVersion: 3,
  activated: true,
  reason: 'No active anomaly model yet.',
  threshold: 1.25,
  imageAuroc: null,
  falseRejectRate: 0.01,
  defectRecall: null,
  bankSize: 1200,
  roc: null,
  calibration: {
    threshold: 1.25,
    targetFrr: 0.005,
    calibrationImages: 40,
    calibrationFrr: 0,
    expectedFrr: 0.005,
    frrUpperBound95: 0.088,
    minimumImages: 199,
    method: 'normal-tail',
    warning: 'Only 40 good images for calibration: a 0.5 % false-reject rate needs at least 199.'
  },
  warnings: [],
  ...overrides
})

const mountTrain = (handlers: Parameters<typeof mountTrainView>[0] = {}) => mountTrainView(handlers, stubs)

describe('anomaly panel on the training screen', () => {
  it('sends the false-reject rate the user typed, as a fraction, and shows progress', async () => {
    const { wrapper, fake } = await mountTrain({ 'anomaly:train': () => ({ started: true }) })
    await wrapper.get('[data-testid="anomaly-frr"]').setValue('0.5')
    await wrapper.get('[data-testid="anomaly-coreset"]').setValue('5')
    await wrapper.get('[data-testid="anomaly-train"]').trigger('submit')
    await flushPromises()
    expect(fake.calls.find((c) => c.channel === 'anomaly:train')?.payload).toEqual({ targetFrr: 0.005, coresetFraction: 0.05 })
    fake.emit('anomaly:progress', { phase: 'coreset', done: 3, total: 10 })
    await flushPromises()
    expect(wrapper.get('[data-testid="anomaly-progress"]').text()).toContain('Choosing the memory bank: 3 / 10')
    expect(wrapper.get('[data-testid="anomaly-train"]').attributes('disabled')).toBeDefined()
  })

  it('refuses an impossible rate with a message and sends nothing', async () => {
    const { wrapper, fake } = await mountTrain()
    await wrapper.get('[data-testid="anomaly-frr"]').setValue('100')
    expect(wrapper.text()).toContain('above 0 and below 100 %')
    await wrapper.get('[data-testid="anomaly-train"]').trigger('submit')
    expect(fake.calls.some((c) => c.channel === 'anomaly:train')).toBe(false)
  })

  it('shows the calibrated threshold, the small-calibration-set warning, and no AUROC without defects', async () => {
    const { wrapper } = await mountTrain({ 'anomaly:status': () => ({ state: 'done', last: done() }) })
    expect(wrapper.get('[data-testid="anomaly-threshold"]').text()).toBe('1.2500')
    expect(wrapper.get('[data-testid="anomaly-warning"]').text()).toContain('needs at least 199')
    expect(wrapper.get('[data-testid="anomaly-auroc"]').text()).toBe('needs labelled defects')
    expect(wrapper.find('[data-testid="anomaly-roc"]').exists()).toBe(false)
  })

  it('draws the ROC curve when defects are labelled and recalibrates for a new rate', async () => {
    const roc = [
      { threshold: 3, falsePositiveRate: 0, truePositiveRate: 0 },
      { threshold: 2, falsePositiveRate: 0, truePositiveRate: 0.9 },
      { threshold: 1, falsePositiveRate: 1, truePositiveRate: 1 }
    ]
    const { wrapper, fake } = await mountTrain({
      'anomaly:status': () => ({ state: 'done', last: done({ imageAuroc: 0.987, roc }) }),
      'anomaly:recalibrate': () => ({ ...done().calibration!, threshold: 1.5, targetFrr: 0.02, warning: undefined })
    })
    expect(wrapper.get('[data-testid="anomaly-auroc"]').text()).toBe('0.987')
    expect(wrapper.get('[data-testid="roc-chart-stub"]').text()).toBe('3 points')
    await wrapper.get('[data-testid="anomaly-frr"]').setValue('2')
    await wrapper.get('[data-testid="anomaly-recalibrate"]').trigger('click')
    await flushPromises()
    expect(fake.calls.find((c) => c.channel === 'anomaly:recalibrate')?.payload).toEqual({ version: 3, targetFrr: 0.02 })
    expect(wrapper.get('[data-testid="anomaly-threshold"]').text()).toBe('1.5000')
    expect(wrapper.find('[data-testid="anomaly-warning"]').exists()).toBe(false)
  })
})
