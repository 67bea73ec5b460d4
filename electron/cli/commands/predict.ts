import { resolve } from 'node:path'
import { Predictor } from '../../engine/infer/predictor'
import type { ProviderRequest } from '../../engine/infer/sessions'
import { loadResnetWeights } from '../../engine/models/weights'
import { preprocessImage, type Fit } from '../../imaging/preprocess'
import { optionalNumber, printJson, requireString, UsageError, type CliCommand } from '../command'

const PROVIDERS = ['auto', 'cpu', 'cuda', 'dml', 'coreml', 'webgpu']

/**
 * `defect-studio predict`: classify images with a ResNet18 .safetensors file, printing
 * logits and probabilities per image (docs/decisions.md, CLI JSON) to compare with PyTorch. Runs
 * in-process (a CLI has no UI to keep responsive). An image that cannot be read gets an
 * `error` entry; the others are still predicted and the exit code is 1.
 */
export const predictCommand: CliCommand = {
  name: 'predict',
  summary: 'Classify images with ResNet18 weights (.safetensors) and print logits/probabilities',
  usage: [
    'Usage: defect-studio predict --weights FILE.safetensors [--classes N] [--size S] [--fit crop|whole]',
    '                             [--provider auto|cpu|cuda|dml|coreml|webgpu] [--threads T] IMAGE... [--json]',
    '  --weights   torchvision or timm ResNet18 weights (any class count, any width)',
    '  --classes   expected number of classes (checked against the weights fc rows)',
    '  --size      network input side S (default 224)',
    "  --fit       crop = torchvision's eval transform (resize to S·256/224, centre crop; default),",
    '              whole = the whole image resized to S×S',
    'JSON: { "results": [ { "image", "logits", "probabilities", "class" } ] } (class order = fc rows)'
  ].join('\n'),
  options: {
    weights: { type: 'string' },
    classes: { type: 'string' },
    size: { type: 'string' },
    fit: { type: 'string' },
    provider: { type: 'string' },
    threads: { type: 'string' },
    batch: { type: 'string' }
  },
  allowPositionals: true,
  async run(args, io) {
    const weightsFile = resolve(requireString(args, 'weights'))
    const classes = optionalNumber(args, 'classes', { min: 1, integer: true })
    const size = optionalNumber(args, 'size', { min: 32, max: 1024, integer: true }) ?? 224
    const threads = optionalNumber(args, 'threads', { min: 1, max: 256, integer: true })
    const batch = optionalNumber(args, 'batch', { min: 1, max: 256, integer: true }) ?? 8
    const fit = (args.values.fit ?? 'crop') as string
    if (fit !== 'crop' && fit !== 'whole') throw new UsageError(`--fit must be crop or whole, got "${fit}"`)
    const provider = (args.values.provider ?? 'auto') as string
    if (!PROVIDERS.includes(provider)) throw new UsageError(`--provider must be one of ${PROVIDERS.join(', ')}, got "${provider}"`)
    if (args.positionals.length === 0) throw new UsageError('give at least one IMAGE file')

    const { weights, numClasses, width, testTimeFlips } = await loadResnetWeights(weightsFile)
    if (classes !== undefined && classes !== numClasses) {
      throw new Error(`--classes ${classes} does not match ${weightsFile}, whose classifier (fc) has ${numClasses} rows. Drop --classes or use the matching weights.`)
    }
    const predictor = await Predictor.create({ weights, numClasses, width, size, testTimeFlips, provider: provider as ProviderRequest, threads })
    if (!args.json) io.err(`predict: ResNet18 width ${width}, ${numClasses} classes, ${size}px (${fit})${testTimeFlips ? ', test-time flips (4 views)' : ''} on ${predictor.provider}: ${predictor.providerReason}`)
    const results: Array<{ image: string; logits?: number[]; probabilities?: number[]; class?: number; error?: string }> = []
    let failed = 0
    try {
      const images = args.positionals
      for (let start = 0; start < images.length; start += batch) {
        const chunk = images.slice(start, start + batch)
        const pre = await Promise.all(
          chunk.map((image) =>
            preprocessImage(resolve(image), { size, fit: fit as Fit, channels: predictor.channels }).then(
              (p) => ({ image, tensor: p.tensor }),
              (error: Error) => ({ image, error: error.message })
            )
          )
        )
        const ok = pre.filter((p): p is { image: string; tensor: Float32Array } => 'tensor' in p)
        // input: [n, C, S, S] float32 (C: the weights' input channels, 3 or 1)
        const plane = predictor.channels * size * size
        const input = new Float32Array(ok.length * plane)
        ok.forEach((p, i) => input.set(p.tensor, i * plane))
        const out = ok.length > 0 ? await predictor.runBatch(input, ok.length) : null
        for (const p of pre) {
          if ('error' in p) {
            failed++
            results.push({ image: p.image, error: p.error })
            if (!args.json) io.err(`predict: ${p.error}`)
            continue
          }
          const r = predictor.toPrediction(out!.logits, out!.probabilities, ok.indexOf(p))
          results.push({ image: p.image, logits: r.logits, probabilities: r.probabilities, class: r.class })
          if (!args.json) {
            const prob = r.probabilities[r.class]!
            io.out(`${p.image}: class ${r.class} (p=${prob.toFixed(4)})  logits [${r.logits.map((v) => v.toFixed(5)).join(', ')}]`)
          }
        }
      }
    } finally {
      await predictor.release()
    }
    if (args.json) printJson(io, { results })
    return failed > 0 ? 1 : 0
  }
}
