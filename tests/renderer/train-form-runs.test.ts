import { describe, expect, it } from 'vitest'
import { flushPromises } from '@vue/test-utils'
import { mountTrainView } from './helpers'

/**
 * Issue 11 item 3: what the form shows is what runs. Typed advanced settings are used by
 * Retrain and saved with it, without pressing "Save settings" first.
 */
const stubs = { TrainingChart: { template: '<div />', props: ['steps', 'epochs'] }, Echarts: { template: '<div />', props: ['option'] } }

describe('Retrain uses the settings on screen', () => {
  it('trains with typed but unsaved values and saves them', async () => {
    let saved: Record<string, unknown> = { 'training.advanced': { epochs: 15, batch: 32 } }
    const { wrapper, fake } = await mountTrainView(
      {
        'projects:settings-get': () => saved,
        'projects:settings-set': ({ key, value }: { key: string; value: unknown }) => (saved = { ...saved, [key]: value }),
        'training:start': () => ({ runId: 1, resumed: false })
      },
      stubs
    )
    expect((wrapper.get('[data-testid="train-setting-epochs"]').element as HTMLInputElement).value).toBe('15')
    await wrapper.get('[data-testid="train-setting-epochs"]').setValue('2')
    await wrapper.get('[data-testid="train-setting-batch"]').setValue('16')
    await wrapper.get('[data-testid="retrain-full"]').trigger('click')
    await flushPromises()
    const start = fake.calls.find((c) => c.channel === 'training:start')
    expect(start?.payload).toMatchObject({ mode: 'full', epochs: 2, batch: 16 })
    expect(saved['training.advanced']).toEqual({ epochs: 2, batch: 16 })
    // Saving first: the set comes before the start.
    const order = fake.calls.map((c) => c.channel)
    expect(order.indexOf('projects:settings-set')).toBeLessThan(order.indexOf('training:start'))
  })

  it('refuses to start with a value the form marks wrong, and says why', async () => {
    const { wrapper, fake } = await mountTrainView({ 'training:start': () => ({ runId: 1, resumed: false }) }, stubs)
    await wrapper.get('[data-testid="train-setting-batch"]').setValue('0')
    await wrapper.get('[data-testid="retrain-quick"]').trigger('click')
    await flushPromises()
    expect(fake.calls.some((c) => c.channel === 'training:start')).toBe(false)
    expect(wrapper.get('[data-testid="training-form-error"]').text()).toContain('Retrain uses what the form shows')
    expect(wrapper.get('[data-testid="train-setting-batch-error"]').text()).toBe('Batch size must be between 1 and 512.')
  })
})
