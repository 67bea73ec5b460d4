import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { appVersion, dataDir, resourcesDir } from '../../services/app-info'
import { printJson, type CliCommand } from '../command'

export const doctorCommand: CliCommand = {
  name: 'doctor',
  summary: 'Check the installation: versions, execution providers, weights, data folder',
  usage: 'Usage: defect-studio doctor [--json]',
  options: {},
  async run(args, io) {
    const ort = await import('onnxruntime-node')
    const backends = (ort as unknown as { listSupportedBackends?: () => Array<{ name: string; bundled: boolean }> }).listSupportedBackends?.() ?? []
    const report = {
      version: appVersion(),
      node: process.versions.node,
      platform: `${process.platform}-${process.arch}`,
      onnxruntime: ort.env.versions?.common ?? 'unknown',
      providers: backends.map((b) => ({ name: b.name, bundled: b.bundled })),
      dataDir: dataDir(),
      weightsSearchPath: [join(dataDir(), 'weights'), join(resourcesDir(), 'weights')].map((path) => ({ path, exists: existsSync(path) }))
    }
    if (args.json) printJson(io, report)
    else {
      io.out(`Defect Studio ${report.version} on Node ${report.node} (${report.platform})`)
      io.out(`onnxruntime-node ${report.onnxruntime}`)
      io.out(`Execution providers: ${report.providers.map((p) => `${p.name}${p.bundled ? '' : ' (add-on)'}`).join(', ')}`)
      io.out(`Data folder: ${report.dataDir}`)
      for (const w of report.weightsSearchPath) io.out(`Weights looked for in: ${w.path}${w.exists ? '' : ' (missing)'}`)
    }
    return 0
  }
}
