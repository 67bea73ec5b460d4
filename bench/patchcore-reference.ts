/**
 * `npm run bench:patchcore`: our anomaly mode against a PyTorch PatchCore
 * (scripts/reference/patchcore_reference.py) on the project's own synthetic anomaly set,
 * from the same ResNet18 weights, at the same resolution, with the same coreset fraction.
 *
 * Ours runs the way a user runs it, through the CLI: `weights import` (the generated
 * weights file), `import --good good` of the good training images, `train --mode anomaly`
 * (all good images in the memory bank, threshold from leave-own-out scores), and
 * `eval --kind anomaly --from MVTEC` (image AUROC, pixel AUROC over the ground-truth masks,
 * defect recall at the stored threshold). The reference fits on the same training folder
 * and scores the same test folder.
 *
 * Options: --size S (224), --good N (good training images, 150), --defects N (per defect
 * kind, 10), --coreset F (0.1), --seed N (weights and data, 5), --threads N (2).
 * Weights: torchvision's random initialisation of a full-width ResNet18 (no ImageNet here).
 * Last line: { "ours": { imageAuroc, pixelAuroc, defectRecall, falseRejectRate, threshold,
 * fitImages, bankSize, fitSeconds }, "torch": { imageAuroc, imageAurocReweighted,
 * pixelAuroc, bankSize, fitSeconds }, "imageAurocDelta", "pixelAurocDelta" }.
 */
import { execFileSync } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { generateSyntheticSet } from '../tests/support/synthetic-defects'
import { initResnet18Weights } from '../electron/engine/models/resnet'
import { writeSafetensors } from '../electron/engine/models/safetensors'
import { runCli } from '../electron/cli/index'

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '224' },
    good: { type: 'string', default: '150' },
    defects: { type: 'string', default: '10' },
    coreset: { type: 'string', default: '0.1' },
    seed: { type: 'string', default: '5' },
    threads: { type: 'string', default: '2' }
  }
})
const S = Number(values.size)
const GOOD_TRAIN = Number(values.good)
const DEFECTS = Number(values.defects)
const CORESET = Number(values.coreset)
const SEED = Number(values.seed)
const THREADS = Number(values.threads)
const GOOD_TEST = 40
const python = '/usr/bin/python3'

/** Run one CLI command in this process; its last stdout line parsed as JSON. */
async function cli(argv: string[]): Promise<Record<string, unknown>> {
  const out: string[] = []
  const err: string[] = []
  const code = await runCli([...argv, '--json'], { out: (l) => out.push(l), err: (l) => err.push(l) })
  if (code !== 0) throw new Error(`defect-studio ${argv.join(' ')} exited ${code}: ${err.join('\n') || out.at(-1)}`)
  for (const w of err) console.log(`  (${argv[0]}) ${w}`)
  return JSON.parse(out.at(-1)!) as Record<string, unknown>
}

const fmt = (v: unknown): string => (typeof v === 'number' ? v.toFixed(4) : String(v))

const root = await mkdtemp(join(tmpdir(), 'bench-patchcore-'))
try {
  process.env.DEFECT_STUDIO_DATA_DIR = join(root, 'data')
  process.env.OMP_NUM_THREADS = String(THREADS)
  console.log(`PatchCore vs PyTorch reference: ResNet18 width 1 (torchvision random init, seed ${SEED}), ${S} px whole image, coreset ${CORESET}, ${THREADS} threads`)
  const mvtec = join(root, 'mvtec')
  const perKind = { scratch: DEFECTS, spot: DEFECTS, crack: DEFECTS, dent: DEFECTS }
  await generateSyntheticSet({
    root: mvtec,
    seed: SEED,
    counts: { ok: GOOD_TRAIN + GOOD_TEST, ...perKind },
    layout: 'mvtec',
    valFraction: GOOD_TEST / (GOOD_TRAIN + GOOD_TEST),
    masks: true,
    width: S,
    height: S,
    colour: 'mixed'
  })
  console.log(`data: ${GOOD_TRAIN} good training images (train/good), test: ${GOOD_TEST} good + ${4 * DEFECTS} defects (scratch, spot, crack, dent) with masks`)
  const weightsFile = join(root, 'resnet18-random.safetensors')
  await writeFile(weightsFile, writeSafetensors(initResnet18Weights({ numClasses: 1000, width: 1, seed: SEED })))

  const project = join(root, 'anomaly.dsproj')
  await cli(['weights', 'import', weightsFile])
  await cli(['import', '--project', project, '--from', join(mvtec, 'train'), '--good', 'good'])
  const train = await cli(['train', '--project', project, '--mode', 'anomaly', '--size', String(S), '--fit', 'whole', '--coreset', String(CORESET), '--seed', String(SEED)])
  const trainMetrics = train.metrics as Record<string, number>
  const evaluation = await cli(['eval', '--project', project, '--kind', 'anomaly', '--from', mvtec])
  const ours = {
    imageAuroc: evaluation.imageAuroc as number,
    pixelAuroc: evaluation.pixelAuroc as number,
    defectRecall: evaluation.defectRecall as number,
    falseRejectRate: evaluation.falseRejectRate as number,
    threshold: evaluation.threshold as number,
    goodImages: evaluation.goodImages as number,
    defectImages: evaluation.defectImages as number,
    fitImages: trainMetrics.fitImages,
    bankSize: trainMetrics.bankSize,
    calibrationMode: trainMetrics.calibrationMode,
    fitSeconds: trainMetrics.fitImages / (train.imagesPerSecond as number)
  }

  const script = fileURLToPath(new URL('../scripts/reference/patchcore_reference.py', import.meta.url))
  const refOut = execFileSync(
    python,
    [script, '--train', join(mvtec, 'train', 'good'), '--test', mvtec, '--weights', weightsFile, '--size', String(S), '--coreset', String(CORESET), '--seed', String(SEED), '--threads', String(THREADS)],
    { encoding: 'utf8', maxBuffer: 1 << 24 }
  )
  const torch = JSON.parse(refOut.trim().split('\n').pop()!) as Record<string, number>

  console.log(`                      ours (CLI)   PyTorch PatchCore`)
  console.log(`image AUROC           ${fmt(ours.imageAuroc)}       ${fmt(torch.imageAuroc)} (max patch), ${fmt(torch.imageAurocReweighted)} (reweighted, 9 neighbours)`)
  console.log(`pixel AUROC           ${fmt(ours.pixelAuroc)}       ${fmt(torch.pixelAuroc)}`)
  console.log(`memory bank           ${ours.bankSize} of ${ours.fitImages} images   ${torch.bankSize} of ${torch.trainImages} images`)
  console.log(`fit time (s)          ${ours.fitSeconds.toFixed(1)}         ${torch.fitSeconds.toFixed(1)}`)
  console.log(
    `ours at the stored threshold (${ours.calibrationMode} calibration, 1 % target FRR): defect recall ${fmt(ours.defectRecall)} ` +
      `(${Math.round(ours.defectRecall * ours.defectImages)} of ${ours.defectImages}), false-reject rate ${fmt(ours.falseRejectRate)} on ${ours.goodImages} good test images`
  )
  console.log(JSON.stringify({ ours, torch, imageAurocDelta: ours.imageAuroc - torch.imageAuroc, pixelAurocDelta: ours.pixelAuroc - torch.pixelAuroc }))
} finally {
  await rm(root, { recursive: true, force: true })
}
