import { describe, expect, it } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import TrainingSettingsForm from '../../renderer/src/components/training/TrainingSettingsForm.vue'
import TrainingConfusionMatrix from '../../renderer/src/components/training/TrainingConfusionMatrix.vue'
import { parseSettingsDraft, draftFromSettings } from '../../renderer/src/components/training/training-settings'
import { mountTrainView as mountTrainViewWith } from './helpers'

const chartStub = { TrainingChart: { template: '<div data-testid="training-chart-stub">{{ steps.length }} steps, {{ epochs.length }} epochs</div>', props: ['steps', 'epochs'] } }

describe('training settings form', () => {
  it('keeps empty fields as defaults and parses typed numbers', () => {
    const draft = { ...draftFromSettings({}), epochs: '12', lr: '0.01', freeze: 'head' as const }
    expect(parseSettingsDraft(draft)).toEqual({ settings: { epochs: 12, lr: 0.01, freeze: 'head' }, errors: {} })
  })

  it('shows what is wrong per field and refuses to save', async () => {
    const wrapper = mount(TrainingSettingsForm, { props: { settings: {} } })
    await wrapper.get('[data-testid="train-setting-epochs"]').setValue('2.5')
    await wrapper.get('[data-testid="train-setting-batch"]').setValue('0')
    // A number input cannot hold letters; a value out of the schema's range is what a person can type.
    await wrapper.get('[data-testid="train-setting-lr"]').setValue('-1')
    expect(wrapper.get('[data-testid="train-setting-epochs-error"]').text()).toBe('Epochs must be a whole number.')
    expect(wrapper.get('[data-testid="train-setting-batch-error"]').text()).toBe('Batch size must be between 1 and 512.')
    expect(wrapper.get('[data-testid="train-setting-lr-error"]').text()).toBe('Learning rate must be above 0 and at most 10.')
    expect(wrapper.get('[data-testid="train-setting-epochs"]').attributes('aria-invalid')).toBe('true')
    expect(wrapper.get('[data-testid="train-settings-save"]').attributes('disabled')).toBeDefined()
    await wrapper.get('form').trigger('submit')
    expect(wrapper.emitted('save')).toBeUndefined()
  })

  it('switches augmentations and class weighting, storing only what differs from the defaults', async () => {
    const wrapper = mount(TrainingSettingsForm, { props: { settings: {} } })
    for (const key of ['randomResizedCrop', 'horizontalFlip', 'colorJitter', 'rotation']) {
      expect((wrapper.get(`[data-testid="train-setting-augment-${key}"]`).element as HTMLInputElement).checked).toBe(true)
    }
    await wrapper.get('[data-testid="train-setting-augment-rotation"]').setValue(false)
    await wrapper.get('[data-testid="train-setting-augment-colorJitter"]').setValue(false)
    await wrapper.get('[data-testid="train-setting-class-weighting"]').setValue('off')
    await wrapper.get('form').trigger('submit')
    expect(wrapper.emitted('save')).toEqual([[{ classWeighting: 'off', augment: { colorJitter: false, rotation: false } }]])
    // Saved settings come back as the same switches.
    const again = mount(TrainingSettingsForm, { props: { settings: { augment: { horizontalFlip: false } } } })
    expect((again.get('[data-testid="train-setting-augment-horizontalFlip"]').element as HTMLInputElement).checked).toBe(false)
    expect((again.get('[data-testid="train-setting-augment-rotation"]').element as HTMLInputElement).checked).toBe(true)
  })

  it('emits the parsed settings on save and shows the saved values again', async () => {
    const wrapper = mount(TrainingSettingsForm, { props: { settings: { epochs: 5, optimizer: 'adamw' } } })
    expect((wrapper.get('[data-testid="train-setting-epochs"]').element as HTMLInputElement).value).toBe('5')
    await wrapper.get('[data-testid="train-setting-size"]').setValue('64')
    await wrapper.get('[data-testid="train-setting-seed"]').setValue('7')
    await wrapper.get('form').trigger('submit')
    expect(wrapper.emitted('save')).toEqual([[{ epochs: 5, size: 64, seed: 7, optimizer: 'adamw' }]])
  })
})

describe('confusion matrix', () => {
  it('shows counts with true classes as rows and opens a cell', async () => {
    const wrapper = mount(TrainingConfusionMatrix, { props: { labels: ['ok', 'scratch'], matrix: [[9, 1], [2, 8]] } })
    expect(wrapper.get('[data-testid="confusion-cell-0-1"]').text()).toBe('1')
    expect(wrapper.get('[data-testid="confusion-cell-1-0"]').attributes('aria-label')).toBe('2 images of scratch predicted as ok')
    await wrapper.get('[data-testid="confusion-cell-1-0"]').trigger('click')
    expect(wrapper.emitted('open')).toEqual([[{ trueClass: 'scratch', predictedClass: 'ok', count: 2 }]])
  })
})

const version = (v: number, active: boolean) => ({
  version: v,
  kind: 'classifier' as const,
  architecture: 'resnet18',
  classes: ['ok', 'scratch'],
  metrics: {
    accuracy: 0.9,
    defectRecall: 0.8,
    perClass: [
      { class: 'ok', precision: 0.95, recall: 0.9, support: 10 },
      { class: 'scratch', precision: 0.85, recall: 0.8, support: 10 }
    ],
    confusion: { labels: ['ok', 'scratch'], matrix: [[9, 1], [2, 8]] }
  },
  config: {},
  dataFingerprint: 'f',
  active,
  createdAt: '2026-11-28T22:00:00Z',
  activatedAt: null,
  trainingRunId: v
})

const mountTrainView = (handlers: Parameters<typeof mountTrainViewWith>[0] = {}) => mountTrainViewWith(handlers, chartStub)

describe('train view', () => {
  it('starts a quick retrain, shows live progress and curves, then the outcome', async () => {
    const { wrapper, fake } = await mountTrainView({ 'training:start': () => ({ runId: 4, resumed: false }) })
    await wrapper.get('[data-testid="retrain-quick"]').trigger('click')
    await flushPromises()
    expect(fake.calls.find((c) => c.channel === 'training:start')?.payload).toEqual({ mode: 'quick' })
    expect(wrapper.get('[data-testid="retrain-full"]').attributes('disabled')).toBeDefined()

    fake.emit('training:progress', { runId: 4, epoch: 1, epochs: 3, step: 2, stepsPerEpoch: 4, loss: 0.6931, accuracy: 0.5, imagesPerSecond: 123.4, etaSeconds: 75, provider: 'cpu', lr: 0.01 })
    fake.emit('training:epoch', { runId: 4, epoch: 1, trainLoss: 0.6, trainAccuracy: 0.6, valAccuracy: 0.7, valBalancedAccuracy: 0.7, valDefectRecall: 0.6, valLoss: 0.5, lr: 0.01, seconds: 3 })
    await flushPromises()
    expect(wrapper.get('[data-testid="training-epoch"]').text()).toBe('1 / 3')
    expect(wrapper.get('[data-testid="training-speed"]').text()).toBe('123.4 images/s')
    expect(wrapper.get('[data-testid="training-eta"]').text()).toBe('1 min 15 s')
    expect(wrapper.get('[data-testid="training-provider"]').text()).toBe('CPU')
    expect(wrapper.get('[data-testid="training-chart-stub"]').text()).toBe('1 steps, 1 epochs')

    fake.handle('models:list', () => [version(2, true), version(1, false)])
    fake.emit('training:done', { runId: 4, status: 'done', modelVersion: 2, activated: true, reason: 'Defect recall and accuracy are not worse than v1.', metrics: null, imagesPerSecond: 120 })
    await flushPromises()
    expect(wrapper.get('[data-testid="training-activated"]').text()).toBe('activated')
    expect(wrapper.get('[data-testid="training-results"]').text()).toContain('v2')
    expect(wrapper.get('[data-testid="per-class-scratch"]').text()).toContain('80.0%')
    expect(wrapper.find('[data-testid="training-cancel"]').exists()).toBe(false)
  })

  it('saves advanced settings in the project and trains with them', async () => {
    let stored: Record<string, unknown> = {}
    const { wrapper, fake } = await mountTrainView({
      'projects:settings-get': () => stored,
      'projects:settings-set': ({ key, value }: { key: string; value: unknown }) => (stored = { ...stored, [key]: value }),
      'training:start': () => ({ runId: 1, resumed: false })
    })
    await wrapper.get('[data-testid="train-setting-epochs"]').setValue('3')
    await wrapper.get('[data-testid="train-setting-freeze"]').setValue('head')
    await wrapper.get('[data-testid="train-settings-form"]').trigger('submit')
    await flushPromises()
    expect(stored).toEqual({ 'training.advanced': { epochs: 3, freeze: 'head' } })
    expect(wrapper.get('[data-testid="train-settings-saved"]').text()).toBe('Saved for this project.')
    await wrapper.get('[data-testid="retrain-full"]').trigger('click')
    await flushPromises()
    expect(fake.calls.find((c) => c.channel === 'training:start')?.payload).toEqual({ mode: 'full', epochs: 3, freeze: 'head' })
  })

  it('cancels a running training', async () => {
    const { wrapper, fake } = await mountTrainView({
      'training:status': () => ({ state: 'training', runId: 9, progress: null, last: null }),
      'training:cancel': () => ({ cancelled: true })
    })
    await wrapper.get('[data-testid="training-cancel"]').trigger('click')
    await flushPromises()
    expect(fake.calls.some((c) => c.channel === 'training:cancel')).toBe(true)
    expect(wrapper.get('[data-testid="training-cancel"]').text()).toContain('Stopping')
  })

  it('brings progress and curves back after a reload mid-training', async () => {
    const progress = { runId: 9, epoch: 2, epochs: 5, step: 1, stepsPerEpoch: 4, loss: 0.4, accuracy: 0.8, imagesPerSecond: 50, etaSeconds: 30, provider: 'webgpu', lr: 0.01 }
    const epoch = { epoch: 1, trainLoss: 0.6, trainAccuracy: 0.6, valAccuracy: 0.7, valBalancedAccuracy: 0.7, valDefectRecall: 0.6, valLoss: 0.5, lr: 0.01, seconds: 3 }
    const { wrapper } = await mountTrainView({
      'training:status': () => ({ state: 'training', runId: 9, progress, last: null }),
      'training:runs': () => [{ id: 9, kind: 'classifier', status: 'running', config: {}, startedAt: '', finishedAt: null, error: null, epochs: [epoch], modelVersion: null }]
    })
    expect(wrapper.get('[data-testid="training-epoch"]').text()).toBe('2 / 5')
    expect(wrapper.get('[data-testid="training-provider"]').text()).toBe('WebGPU')
    expect(wrapper.get('[data-testid="training-chart-stub"]').text()).toBe('0 steps, 1 epochs')
  })

  it('shows the server refusal when training cannot start', async () => {
    const { wrapper } = await mountTrainView({
      'training:start': () => {
        throw new Error('Label at least 2 images of each class before training.')
      }
    })
    await wrapper.get('[data-testid="retrain-full"]').trigger('click')
    await flushPromises()
    expect(wrapper.get('[data-testid="training-error"]').text()).toBe('Label at least 2 images of each class before training.')
  })

  it('opens the labelling screen on a confusion-matrix cell', async () => {
    const { wrapper, router } = await mountTrainView({ 'models:list': () => [version(3, true)] })
    await wrapper.get('[data-testid="confusion-cell-1-0"]').trigger('click')
    await flushPromises()
    expect(router.currentRoute.value.path).toBe('/label')
    expect(router.currentRoute.value.query).toEqual({ trueClass: 'scratch', predictedClass: 'ok', model: '3' })
  })
})
