import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { HARD_PARAMS } from '../../support/hard-defects'
import { prepareHardBenchmark, type HardBenchmark } from '../../support/hard-benchmark-run'

/**
 * The hard synthetic benchmark keeps its teeth (issue 14 item 1): torchvision's fine-tuning
 * recipe — the project's 'seed' preset, run with its own defaults (15 epochs, SGD 0.001,
 * StepLR, RandomResizedCrop, class weights, early stopping on accuracy + defect recall) —
 * stays near chance on it. Chance is 1/4 = 0.25 balanced accuracy on the four classes (v2);
 * the assertion is < 0.35, the bound. If this starts to pass more, the benchmark got
 * easier (its parameters are fixed: docs/decisions.md) or the seed preset changed; neither may
 * happen silently.
 *
 * Reduced scale for CI (HARD_PARAMS.scales.ci: 40–64 px images, 1,800 images, 30:1) and a
 * reduced model (ResNet18 width 0.25, 64 px, random initialisation). The auto recipe's
 * figure on the same benchmark is measured by `npm run bench:accuracy` (both presets side
 * by side, with their times); it does not reach its target yet (docs/accuracy.md).
 */

const COMMON = { width: 0.25, seed: 0, threads: 2 } as const

describe('hard synthetic benchmark', () => {
  let bench: HardBenchmark
  beforeAll(async () => {
    bench = await prepareHardBenchmark({ scale: 'ci', seed: 14, size: 64 })
  }, 300_000)
  afterAll(async () => {
    await bench?.close()
  })

  it('the seed recipe stays near chance', async () => {
    const seed = await bench.run('seed', { ...COMMON, recipe: 'seed' })
    const counts = HARD_PARAMS.scales.ci.test
    expect(seed.test.count).toBe(Object.values(counts).reduce((a, b) => a + b, 0))
    console.log(`hard benchmark (ci), seed recipe: balanced accuracy ${seed.test.balancedAccuracy.toFixed(3)}, defect recall ${seed.test.defectRecall?.toFixed(3)}, ${seed.seconds.toFixed(1)} s`)
    expect(seed.test.balancedAccuracy).toBeLessThan(0.35)
    expect(seed.outcome.recipe?.preset).toBe('seed')
  }, 900_000)
})
