import { describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import TrainingRecipePanel from '../../renderer/src/components/training/TrainingRecipePanel.vue'
import type { TrainingRecipeDto } from '../../shared/contract/training'
import { createAppI18n } from '../../renderer/src/i18n/index'
import { chooseFromSweeps, planAutoRecipe, planSeedRecipe, type RecipeChoice } from '../../electron/engine/train/recipe'
import { applyRecipe } from '../../electron/engine/train/auto-recipe'
import { defaultTrainerConfig } from '../../electron/engine/train/trainer'
import type { LrSweep } from '../../electron/engine/train/lr-finder'
import { NO_AUGMENT } from '../../electron/engine/train/augment'

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

  it('says every choice the engine can make in Chinese, from its reason id and parameters (not the English)', () => {
    const base = defaultTrainerConfig(['free', 'scratch', 'spot'], 0)
    const sweep = (optimizer: 'adamw' | 'sgd', minimumLoss: number, divergence: number | null, suggested: number | null): LrSweep => ({
      optimizer, points: [{ lr: 1e-4, loss: 1.1, smoothed: 1.1 }, { lr: 0.05, loss: minimumLoss, smoothed: minimumLoss }], suggestedLr: suggested, lrAtMinimum: 1e-3, lrAtDivergence: divergence, minimumLoss, initialLoss: 1.1, learnt: minimumLoss < 0.99, diverged: false, seconds: 1
    })
    const choices: RecipeChoice[] = [
      ...planSeedRecipe().choices,
      ...planAutoRecipe({ images: 40, classCounts: [30, 1, 9], sizes: [[300, 200]], backbone: 'imagenet' }, base, 224).choices,
      ...planAutoRecipe({ images: 40, classCounts: [10, 9, 9], sizes: [[90, 60]], backbone: 'random' }, base, 224).choices,
      ...planAutoRecipe({ images: 40, classCounts: [10, 9, 9], sizes: [[90, 60]], backbone: 'file' }, base, 224).choices,
      // Grey projects: the one-channel stem from scratch, grey on ImageNet weights, colour, and weights that read one channel.
      ...planAutoRecipe({ images: 40, classCounts: [10, 9, 9], sizes: [[90, 60]], backbone: 'random', grey: { grey: 40, total: 40 } }, base, 224).choices,
      ...planAutoRecipe({ images: 40, classCounts: [10, 9, 9], sizes: [[90, 60]], backbone: 'imagenet', grey: { grey: 40, total: 40 } }, base, 224).choices,
      ...planAutoRecipe({ images: 40, classCounts: [10, 9, 9], sizes: [[90, 60]], backbone: 'random', grey: { grey: 12, total: 40 } }, base, 224).choices,
      ...planAutoRecipe({ images: 40, classCounts: [10, 9, 9], sizes: [[90, 60]], backbone: 'file', startChannels: 1 }, base, 224).choices,
      ...chooseFromSweeps([]).choices,
      ...chooseFromSweeps([sweep('adamw', 0.9, 0.02, 0.002), sweep('sgd', 0.5, 0.3, 0.03)]).choices,
      ...chooseFromSweeps([sweep('adamw', 0.9, null, 0.005)]).choices,
      // A suggestion above the recipe's highest peak (recipe.ts MAX_PEAK_LR) from a sweep that did not learn is capped.
      ...chooseFromSweeps([sweep('adamw', 1.05, 0.1, 0.01)]).choices,
      ...chooseFromSweeps([sweep('sgd', 0.9, null, null)]).choices,
      ...applyRecipe('auto', base, { size: 32 }, { images: 4, classCounts: [2, 2], sizes: [[64, 64]], backbone: 'imagenet' }, 224).record.choices,
      // Test-time flips off because the request's augmentation does not mirror both ways.
      ...applyRecipe('auto', base, { augment: { ...NO_AUGMENT, horizontalFlip: true } }, { images: 4, classCounts: [2, 2], sizes: [[64, 64]], backbone: 'imagenet' }, 224).record.choices.filter((c) => c.setting === 'testTimeFlips')
    ]
    const ids = new Set(choices.map((c) => c.reason.id))
    expect(ids.size).toBeGreaterThanOrEqual(20)
    createAppI18n('zh-CN')
    try {
      const zh = mount(TrainingRecipePanel, { props: { recipe: { preset: 'auto', choices, lrFinder: null }, version: 2 }, global: { stubs, plugins: [createAppI18n('zh-CN')] } })
      const cells = zh.findAll('tbody tr').map((r) => r.text())
      expect(cells).toHaveLength(choices.length)
      for (const text of cells) {
        // Left in Latin letters: product and method names, the setting's own key, units.
        const rest = text.replace(/torchvision|ImageNet|AdamW|SGD|StepLR|RandomResizedCrop|training\.size|px/g, '')
        expect(rest, text).not.toMatch(/[A-Za-z]{3,}/)
      }
      // The numbers are the engine's, with its digits.
      const sampling = cells.find((c) => c.includes('30.0×'))
      expect(sampling).toContain('均衡')
      expect(cells.some((c) => c.includes('0.500') && c.includes('0.900'))).toBe(true)
      expect(cells.some((c) => c.includes('平移 ±6 %'))).toBe(true)
    } finally {
      createAppI18n('en')
    }
  })

  it("says an older run's augmentation as it was (no shift), a newer one's with its shift", () => {
    const older: RecipeChoice = { setting: 'augment', value: 'flips, 90° turns, brightness/contrast ±10 %', why: 'x', reason: { id: 'augmentSurface' } }
    const newer = planAutoRecipe({ images: 40, classCounts: [10, 9, 9], sizes: [[90, 60]], backbone: 'random' }, defaultTrainerConfig(['free', 'a', 'b'], 0), 224).choices.find((c) => c.setting === 'augment')!
    const panel = mount(TrainingRecipePanel, { props: { recipe: { preset: 'auto', choices: [older, newer], lrFinder: null }, version: 3 }, global: { stubs } })
    const [a, b] = panel.findAll('tbody tr').map((r) => r.text())
    expect(a).toContain('flips, 90° turns, brightness/contrast ±10 %')
    expect(a).not.toMatch(/shift|\{/)
    expect(b).toContain('shifts ±6 %')
    expect(b).toContain('up to 6 % of its side')
  })
})
