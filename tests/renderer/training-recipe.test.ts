import { describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import TrainingRecipePanel from '../../renderer/src/components/training/TrainingRecipePanel.vue'
import type { TrainingRecipeDto } from '../../shared/contract/training'

const stubs = { Echarts: { template: '<div data-testid="lr-chart-stub">{{ option.series.length }} sweeps, {{ option.series[0].data.length }} points</div>', props: ['option'] } }

const recipe: TrainingRecipeDto = {
  preset: 'auto',
  choices: [
    { setting: 'sampling', value: 'balanced', why: 'The largest class has 30.0× the images of the smallest (above 3:1).' },
    { setting: 'size', value: 96, why: 'Images are 90 px on their long side (median).' },
    { setting: 'optimizer', value: 'adamw', why: 'In the learning-rate range test AdamW brought the loss lowest.' }
  ],
  lrFinder: {
    steps: 3,
    chosen: { optimizer: 'adamw', lr: 0.002 },
    sweeps: [
      { optimizer: 'adamw', points: [{ lr: 1e-5, loss: 1.6, smoothed: 1.6 }, { lr: 1e-3, loss: 1.2, smoothed: 1.3 }, { lr: 0.1, loss: 3, smoothed: 2.4 }], suggestedLr: 0.002, lrAtMinimum: 1e-3, lrAtDivergence: 0.02, minimumLoss: 1.3, seconds: 2 },
      { optimizer: 'sgd', points: [{ lr: 1e-4, loss: 1.6, smoothed: 1.6 }, { lr: 1e-2, loss: 1.5, smoothed: 1.5 }, { lr: 1, loss: 4, smoothed: 3 }], suggestedLr: 0.01, lrAtMinimum: 1e-2, lrAtDivergence: 0.1, minimumLoss: 1.5, seconds: 2 }
    ]
  }
}

describe('"why this recipe" on the training screen', () => {
  it('lists every choice with its reason and draws the range-test curves', () => {
    const wrapper = mount(TrainingRecipePanel, { props: { recipe, version: 4 }, global: { stubs } })
    expect(wrapper.get('[data-testid="training-recipe"] h2').text()).toContain('v4')
    expect(wrapper.get('[data-testid="recipe-choice-sampling"]').text()).toContain('balanced')
    expect(wrapper.get('[data-testid="recipe-choice-sampling"]').text()).toContain('30.0×')
    expect(wrapper.findAll('tbody tr')).toHaveLength(3)
    expect(wrapper.get('[data-testid="lr-chart-stub"]').text()).toBe('2 sweeps, 3 points')
  })

  it('shows nothing without a recipe and no curve for the seed preset', () => {
    expect(mount(TrainingRecipePanel, { props: { recipe: null, version: null }, global: { stubs } }).find('[data-testid="training-recipe"]').exists()).toBe(false)
    const seed = mount(TrainingRecipePanel, { props: { recipe: { preset: 'seed', choices: [{ setting: 'preset', value: 'seed', why: 'asked for by name, torchvision recipe' }], lrFinder: null }, version: 1 }, global: { stubs } })
    expect(seed.get('[data-testid="recipe-preset"]').text()).toMatch(/Seed recipe/)
    expect(seed.find('[data-testid="recipe-lr-curve"]').exists()).toBe(false)
  })
})
