import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { writeFile, mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { runCliCaptured as cli } from '../../support/cli-harness'

const root = join(__dirname, '../../..')
const fixtures = join(root, 'tests/fixtures/preprocess')
// Made by scripts/fixtures/make_predict_fixture.py: image files through torchvision's
// transform and a torchvision-architecture ResNet18 (width 0.125, 3 classes), float64.
const expected = JSON.parse(readFileSync(join(fixtures, 'predict-expected.json'), 'utf8')) as {
  weights: string
  size: number
  cases: Array<{ image: string; fit: 'crop' | 'whole'; logits: number[] }>
}
const weights = join(root, expected.weights)

describe('defect-studio predict', () => {
  for (const fit of ['crop', 'whole'] as const) {
    it(`image files give torchvision's logits within 1e-4 (fit ${fit})`, async () => {
      const cases = expected.cases.filter((c) => c.fit === fit)
      const { code, out } = await cli(['predict', '--weights', weights, '--classes', '3', '--size', String(expected.size), '--fit', fit, '--provider', 'cpu', ...cases.map((c) => join(fixtures, c.image)), '--json'])
      expect(code).toBe(0)
      const { results } = JSON.parse(out[0]!) as { results: Array<{ image: string; logits: number[]; probabilities: number[]; class: number }> }
      expect(results).toHaveLength(cases.length)
      results.forEach((r, i) => {
        expect(r.image).toBe(join(fixtures, cases[i]!.image))
        r.logits.forEach((v, k) => expect(Math.abs(v - cases[i]!.logits[k]!)).toBeLessThan(1e-4))
        const ref = cases[i]!.logits
        expect(r.class).toBe(ref.indexOf(Math.max(...ref)))
        expect(r.probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5)
      })
    })
  }

  it('a bad image gets an error entry naming it; the others are still predicted (exit 1)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ds-predict-'))
    const bad = join(dir, 'truncated.png')
    await writeFile(bad, readFileSync(join(fixtures, 'colour-97x61.png')).subarray(0, 100))
    const { code, out } = await cli(['predict', '--weights', weights, '--size', '64', join(fixtures, 'grey-50x80.png'), bad, '--json'])
    expect(code).toBe(1)
    const { results } = JSON.parse(out[0]!)
    expect(results[0].logits).toHaveLength(3)
    expect(results[1]).toEqual({ image: bad, error: expect.stringMatching(/truncated\.png: cannot decode the image/) })
  })

  it('wrong --classes, a missing weights file and bad options are clear errors', async () => {
    const img = join(fixtures, 'grey-50x80.png')
    const wrong = await cli(['predict', '--weights', weights, '--classes', '5', img, '--json'])
    expect(wrong.code).toBe(1)
    expect(JSON.parse(wrong.out[0]!).error).toMatch(/--classes 5 does not match .* has 3 rows/)
    const missing = await cli(['predict', '--weights', '/nope/w.safetensors', img, '--json'])
    expect(JSON.parse(missing.out[0]!).error).toMatch(/cannot read the weights file/)
    expect((await cli(['predict', '--weights', weights, '--fit', 'stretch', img])).code).toBe(2)
    expect((await cli(['predict', '--weights', weights])).code).toBe(2)
    expect((await cli(['predict', img])).code).toBe(2)
  })

  it('runs for real through bin/defect-studio.js', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [join(root, 'bin/defect-studio.js'), 'predict', '--weights', weights, '--size', '64', '--fit', 'whole', join(fixtures, 'rgba-64x64.png'), '--json'], {
      env: { ...process.env, DEFECT_STUDIO_FROM_SOURCE: '1', DEFECT_STUDIO_DATA_DIR: await mkdtemp(join(tmpdir(), 'ds-data-')) },
      cwd: root
    })
    const { results } = JSON.parse(stdout.trim().split('\n').at(-1)!)
    const ref = expected.cases.find((c) => c.fit === 'whole' && c.image === 'rgba-64x64.png')!.logits
    results[0].logits.forEach((v: number, k: number) => expect(Math.abs(v - ref[k]!)).toBeLessThan(1e-4))
  })
})
