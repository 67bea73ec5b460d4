import { resolve } from 'node:path'
import { backboneStatus, downloadBackbone, importBackbone } from '../../engine/models/backbones'
import { backboneDirs } from '../../services/app-info'
import { printJson, UsageError, type CliCommand } from '../command'

/**
 * `defect-studio weights download|import FILE|status`: the ImageNet backbone that
 * training starts from (see electron/engine/models/backbones.ts for the search order).
 */
export const weightsCommand: CliCommand = {
  name: 'weights',
  summary: 'Backbone weights: download ImageNet ResNet18, import a file, or show status',
  usage: [
    'Usage: defect-studio weights download [--url URL] [--bytes N] [--sha256 HEX] [--json]',
    '       defect-studio weights import FILE.safetensors [--json]',
    '       defect-studio weights status [--json]',
    '  download  fetch timm resnet18.a1_in1k (Hugging Face hub; --url or DEFECT_STUDIO_BACKBONE_URL to change)',
    '  import    use a ResNet18 .safetensors file you have (torchvision or timm names), e.g. on an offline PC',
    '  status    which backbone training uses now, where weights are looked for'
  ].join('\n'),
  options: { url: { type: 'string' }, bytes: { type: 'string' }, sha256: { type: 'string' } },
  allowPositionals: true,
  async run(args, io) {
    const [action, file, ...rest] = args.positionals
    if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"`)
    if (action === 'status') {
      if (file) throw new UsageError('status takes no FILE')
      const s = await backboneStatus(backboneDirs())
      if (args.json) printJson(io, s)
      else {
        io.out(`Backbone: ${s.resolved.source}${s.resolved.file ? ` (${s.resolved.file})` : ''}${s.resolved.sha256 ? `\nSHA-256: ${s.resolved.sha256}` : ''}`)
        if (s.resolved.warning) io.out(`Warning: ${s.resolved.warning}`)
        io.out(`Looked for in: ${s.weightsDir}, then ${s.bundledPath}`)
        io.out(`Download URL: ${s.url}`)
      }
      return 0
    }
    if (action === 'download') {
      if (file) throw new UsageError('download takes no FILE (use --url to change the source)')
      const expectedBytes = args.values.bytes !== undefined ? Number(args.values.bytes) : undefined
      if (expectedBytes !== undefined && !(Number.isInteger(expectedBytes) && expectedBytes > 0)) throw new UsageError('--bytes must be a positive integer')
      let lastPct = -1
      const r = await downloadBackbone(backboneDirs(), {
        url: args.values.url as string | undefined,
        expectedBytes,
        expectedSha256: args.values.sha256 as string | undefined,
        onProgress: (received, total) => {
          if (args.json) return
          const pct = total ? Math.floor((received / total) * 100) : -1
          if (pct !== lastPct && (pct % 10 === 0 || pct === 100)) {
            lastPct = pct
            io.err(`download: ${pct >= 0 ? `${pct}%` : ''} ${(received / 1e6).toFixed(1)} MB${total ? ` of ${(total / 1e6).toFixed(1)} MB` : ''}`)
          }
        }
      })
      if (args.json) printJson(io, r)
      else io.out(`Downloaded ${(r.bytes / 1e6).toFixed(1)} MB to ${r.file}\nSHA-256: ${r.sha256}`)
      return 0
    }
    if (action === 'import') {
      if (!file) throw new UsageError('import needs a FILE.safetensors')
      const r = await importBackbone(backboneDirs(), resolve(file))
      if (args.json) printJson(io, r)
      else io.out(`Imported ${file} as the backbone (${r.numClasses}-class ResNet18) -> ${r.file}\nSHA-256: ${r.sha256}`)
      return 0
    }
    throw new UsageError(action ? `unknown action "${action}"; use download, import or status` : 'give an action: download, import or status')
  }
}
