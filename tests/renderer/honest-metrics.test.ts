import { describe, expect, it } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createMemoryHistory, createRouter } from 'vue-router'
import ModelsView from '../../renderer/src/views/ModelsView.vue'
import ProjectsView from '../../renderer/src/views/ProjectsView.vue'
import { useAppStatusStore } from '../../renderer/src/stores/app-status'
import { datasetHealth } from '../../renderer/src/composables/dataset-health'
import { mountTrainView, statusFixture, withFakeApi } from './helpers'

/**
 * Issue 11 item 8 (UI): every model version shows accuracy next to the always-good
 * baseline, balanced accuracy, missed-defect and false-reject rates with counts, and a
 * loud warning when it is worse than the baseline. Item 13: the empty Projects screen
 * offers the demo. Item 6: the health rules on a 30:1 set whose good class is `free`.
 */
const metrics = (accuracy: number, extra: Record<string, unknown> = {}) => ({
  accuracy,
  balancedAccuracy: 0.5,
  defectRecall: 0.2,
  count: 200,
  baseline: 0.705,
  missedDefectRate: 0.8,
  missedDefects: 47,
  defectImages: 59,
  falseRejectRate: 0.1,
  falseRejects: 14,
  goodImages: 141,
  threshold: 0.5,
  warnings: [],
  ...extra
})
const version = (v: number, m: Record<string, unknown>) => ({
  version: v, kind: 'classifier' as const, architecture: 'resnet18', classes: ['free', 'crack'], metrics: m, config: {}, dataFingerprint: 'f',
  active: v === 2, createdAt: '2026-11-28T22:00:00Z', activatedAt: null, trainingRunId: v
})
const router = () => createRouter({ history: createMemoryHistory(), routes: [{ path: '/:p(.*)*', component: { template: '<div />' } }] })

describe('honest metrics for every model version', () => {
  it('lists baseline, balanced accuracy, both error rates with counts, and warns loudly when worse than always-good', async () => {
    const { global } = withFakeApi({
      'app:status': () => statusFixture({ project: { path: '/p/a.dsproj', name: 'a' } }),
      'models:list': () => [version(2, metrics(0.6)), version(1, metrics(0.8, { baseline: 0.705 }))],
      'engine:info': () => ({ weights: { source: 'random' } })
    })
    const wrapper = mount(ModelsView, { global: { ...global, plugins: [...global.plugins, router()] } })
    await useAppStatusStore().load()
    await flushPromises()
    expect(wrapper.get('[data-testid="model-accuracy-2"]').text()).toBe('60.0%')
    expect(wrapper.get('[data-testid="model-baseline-2"]').text()).toBe('70.5%')
    expect(wrapper.get('[data-testid="model-missed-2"]').text()).toBe('80.0% (47 of 59)')
    expect(wrapper.get('[data-testid="model-false-rejects-2"]').text()).toBe('10.0% (14 of 141)')
    expect(wrapper.get('[data-testid="model-warning-2"]').text()).toContain('Worse than always answering the good class: 60.0% accuracy against a 70.5% baseline')
    expect(wrapper.find('[data-testid="model-warning-1"]').exists()).toBe(false)
  })

  it('shows the services’ own warnings (a model that rejects every part) beside the figures on the Train screen', async () => {
    const rejectsAll = version(3, metrics(0.295, { falseRejectRate: 1, falseRejects: 141, missedDefectRate: 0, missedDefects: 0, warnings: ['Every good image of the validation set was rejected (141 of 141).'] }))
    const { wrapper } = await mountTrainView(
      { 'models:list': () => [{ ...rejectsAll, metrics: { ...rejectsAll.metrics, perClass: [{ class: 'free', precision: 0, recall: 0, support: 141 }], confusion: { labels: ['free', 'crack'], matrix: [[0, 141], [0, 59]] } } }] },
      { TrainingChart: { template: '<div />', props: ['steps', 'epochs'] }, Echarts: { template: '<div />', props: ['option'] } }
    )
    expect(wrapper.get('[data-testid="metrics-false-rejects"]').text()).toBe('100.0% (141 of 141)')
    const warnings = wrapper.findAll('[data-testid="metrics-warning"]').map((w) => w.text())
    expect(warnings.some((w) => w.includes('Every good image of the validation set was rejected'))).toBe(true)
    expect(warnings.some((w) => w.includes('Worse than always answering the good class'))).toBe(true)
  })
})

describe('the classifier operating point (issue 14 item 4)', () => {
  const op = { target: 'missed-defect-rate', rate: 0.01, threshold: 0.8125, chosenOn: 'validation', goodImages: 141, falseRejects: 9, defectImages: 59, missedDefects: 0, allowed: 0 }
  it('the Models list shows each version’s PASS threshold, with how it was chosen and its counts', async () => {
    const { global } = withFakeApi({
      'app:status': () => statusFixture({ project: { path: '/p/a.dsproj', name: 'a' } }),
      'models:list': () => [version(2, metrics(0.9, { threshold: 0.8125, operatingPoint: op })), version(1, metrics(0.8))],
      'engine:info': () => ({ weights: { source: 'random' } })
    })
    const wrapper = mount(ModelsView, { global: { ...global, plugins: [...global.plugins, router()] } })
    await useAppStatusStore().load()
    await flushPromises()
    const cell = wrapper.get('[data-testid="model-threshold-2"]')
    expect(cell.text()).toBe('0.813')
    expect(cell.attributes('title')).toBe('Reject below 0.813, chosen on validation for missed defects ≤ 1.0%: 0 of 59 defects passed, 9 of 141 good parts rejected')
    // A version from before operating points: its threshold, no explanation.
    expect(wrapper.get('[data-testid="model-threshold-1"]').text()).toBe('0.500')
    expect(wrapper.get('[data-testid="model-threshold-1"]').attributes('title')).toBeUndefined()
  })

  it('the Train screen’s result says how the threshold was chosen', async () => {
    const v = version(3, metrics(0.9, { threshold: 0.8125, operatingPoint: { ...op, target: 'false-reject-rate', rate: 0.05 }, perClass: [], confusion: { labels: ['free', 'crack'], matrix: [[132, 9], [0, 59]] } }))
    const { wrapper } = await mountTrainView({ 'models:list': () => [v] }, { TrainingChart: { template: '<div />', props: ['steps', 'epochs'] }, Echarts: { template: '<div />', props: ['option'] } })
    expect(wrapper.get('[data-testid="metrics-operating-point"]').text()).toBe(
      'Operating point: Reject below 0.813, chosen on validation for false rejects ≤ 5.0%: 0 of 59 defects passed, 9 of 141 good parts rejected'
    )
  })
})

describe('a first run that shows the product', () => {
  it('the empty Projects screen has "Try the demo", which creates it and opens the Train screen', async () => {
    let open: { path: string; name: string } | null = null
    const { global, fake } = withFakeApi({
      'app:status': () => statusFixture({ project: open }),
      'projects:current': () => (open ? { ...open, images: 40, classes: [] } : null),
      'projects:recent': () => [],
      'projects:settings-get': () => ({}),
      'projects:create-demo': () => {
        open = { path: '/data/demo.dsproj', name: 'demo' }
        return { project: { ...open, images: 40, classes: [] }, images: { good: 30, scratch: 10 }, goodClass: 'good', runId: 1 }
      }
    })
    const r = router()
    const wrapper = mount(ProjectsView, { global: { ...global, plugins: [...global.plugins, r] } })
    await useAppStatusStore().load()
    await flushPromises()
    await wrapper.get('[data-testid="projects-try-demo"]').trigger('click')
    await flushPromises()
    expect(fake.calls.some((c) => c.channel === 'projects:create-demo')).toBe(true)
    expect(r.currentRoute.value.path).toBe('/train')
    expect(useAppStatusStore().project?.name).toBe('demo')
    expect(wrapper.find('[data-testid="projects-try-demo"]').exists()).toBe(false)
  })
})

describe('dataset health rules', () => {
  it('a 30:1 set with the good class "free" unmarked: asks for the good class, names the imbalance and the class without validation', () => {
    const issues = datasetHealth([
      { name: 'free', isGood: false, train: 48, val: 12 },
      { name: 'crack', isGood: false, train: 2, val: 0 }
    ])
    expect(issues.map((i) => i.kind)).toEqual(['no-good-class', 'imbalance', 'no-validation', 'too-few'])
    expect(issues[1]!.text).toContain('(30:1)')
    expect(issues[1]!.text).toContain('always answering "free" already scores 96.8 %')
    expect(datasetHealth([{ name: 'free', isGood: true, train: 20, val: 5 }, { name: 'crack', isGood: false, train: 16, val: 4 }])).toEqual([])
  })
})
