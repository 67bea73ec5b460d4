import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { HARD_PARAMS } from '../../support/hard-defects'
import { prepareHardBenchmark, type HardBenchmark, type HardRun } from '../../support/hard-benchmark-run'

/**
 * Issue 14 items 1–3 on the hard synthetic benchmark (tests/support/hard-defects.ts, v2,
 * committed parameters: docs/decisions.md "Benchmarks keep their teeth"), both presets from
 * random initialisation, through the project's real path (import, runTrainingJob, the saved
 * model evaluated on the held-out test part), in one run:
 *
 * - the seed preset (torchvision's fine-tuning recipe, its own defaults: 15 epochs, SGD 0.001,
 *   StepLR, RandomResizedCrop, class weights, early stopping on accuracy + defect recall)
 *   stays near chance: balanced accuracy < 0.35 (chance 1/4 = 0.25 on the four classes). If it
 *   starts to pass more, the benchmark got easier or the seed preset changed; neither may
 *   happen silently;
 * - the auto recipe, as `train` without options and the Retrain button run it (no recipe
 *   option), learns it: balanced accuracy ≥ 0.80, issue 14's target (0.858 at this training
 *   seed with session 7's test-time flips and range-test rule; 0.71–0.86 over training seeds
 *   0–6, mean 0.81, docs/accuracy.md "Session 7"), with the one-channel stem and the flips
 *   it chooses for these small grey images (asserted below). The time target (≤ 2× the
 *   seed's) is printed, compared in CPU seconds of this process (every thread; vitest runs
 *   each file in its own process) so that other work on a shared machine does not move it as
 *   it moves wall time (1.91× alone on the machine); the assertion only catches a recipe
 *   that became far slower (≤ 2.5×), since a loaded machine moves the ratio by ±0.2.
 *
 * Reduced scale for CI (HARD_PARAMS.scales.ci: 40–64 px images, 1,800 images, 30:1) and a
 * reduced model (ResNet18 width 0.25, 64 px). `npm run bench:accuracy` prints the same
 * figures with per-epoch detail (docs/accuracy.md).
 */

const COMMON = { width: 0.25, seed: 0, threads: 2 } as const

function describeRun(name: string, r: HardRun): string {
  const t = r.test
  return `hard benchmark (ci), ${name}: balanced accuracy ${t.balancedAccuracy.toFixed(3)}, defect recall ${t.defectRecall?.toFixed(3)}, per class ${t.perClass.map((p) => `${p.class} ${p.recall.toFixed(2)}`).join(', ')}, ${r.outcome.history.length} epochs (best ${r.outcome.metrics?.bestEpoch}), CPU ${r.cpuSeconds.toFixed(1)} s, wall ${r.seconds.toFixed(1)} s`
}

describe('hard synthetic benchmark', () => {
  let bench: HardBenchmark
  let seed: HardRun | null = null
  beforeAll(async () => {
    bench = await prepareHardBenchmark({ scale: 'ci', seed: 14, size: 64 })
  }, 300_000)
  afterAll(async () => {
    await bench?.close()
  })

  it('the seed recipe stays near chance', async () => {
    seed = await bench.run('seed', { ...COMMON, recipe: 'seed' })
    const counts = HARD_PARAMS.scales.ci.test
    expect(seed.test.count).toBe(Object.values(counts).reduce((a, b) => a + b, 0))
    console.log(describeRun('seed preset', seed))
    expect(seed.outcome.recipe?.preset).toBe('seed')
    expect(seed.test.balancedAccuracy).toBeLessThan(0.35)
  }, 1_200_000)

  it('one-click retrain (the auto recipe) learns it from random initialisation, far above the seed', async () => {
    const auto = await bench.run('auto', { ...COMMON })
    console.log(describeRun('auto recipe', auto))
    expect(auto.outcome.recipe?.preset).toBe('auto')
    expect(auto.outcome.recipe?.choices.map((c) => c.setting)).toEqual(expect.arrayContaining(['optimizer', 'lr', 'schedule', 'sampling', 'size', 'fit', 'freeze', 'earlyStopping', 'inputChannels']))
    // Every benchmark image is grey and the start is random: the one-channel stem, as its recipe says.
    expect(auto.outcome.recipe?.choices.find((c) => c.setting === 'inputChannels')?.value).toBe(1)
    // The rare defect images are shifted as well as turned (recipe.ts AUTO_SHIFT).
    expect(auto.outcome.recipe?.choices.find((c) => c.setting === 'augment')?.reason.id).toBe('augmentSurfaceShift')
    // Small images: inspection averages the image and its mirror images (recipe.ts MAX_TEST_TIME_FLIPS_SIZE).
    expect(auto.outcome.recipe?.choices.find((c) => c.setting === 'testTimeFlips')?.value).toBe('on')
    if (seed) console.log(`hard benchmark (ci): CPU time auto / seed ${(auto.cpuSeconds / seed.cpuSeconds).toFixed(2)}× (wall ${(auto.seconds / seed.seconds).toFixed(2)}×); issue 14's target: ≤ 2× with balanced accuracy ≥ 0.80`)
    expect(auto.test.balancedAccuracy).toBeGreaterThanOrEqual(0.8)
    if (seed) expect(auto.cpuSeconds / seed.cpuSeconds).toBeLessThanOrEqual(2.5)
  }, 1_200_000)
})
