import { appVersion } from '../../services/app-info'
import { engineDoctorInfo, formatEngineDoctorInfo } from '../../services/engine-service'
import { printJson, type CliCommand } from '../command'

export const doctorCommand: CliCommand = {
  name: 'doctor',
  summary: 'Check the installation: versions, execution providers, weights, data folder',
  usage: 'Usage: defect-studio doctor [--json]',
  options: {},
  async run(args, io) {
    const engine = await engineDoctorInfo()
    const report = {
      version: appVersion(),
      node: process.versions.node,
      platform: `${process.platform}-${process.arch}`,
      onnxruntime: engine.ortVersion,
      ...engine
    }
    if (args.json) printJson(io, report)
    else {
      io.out(`Defect Studio ${report.version} on Node ${report.node} (${report.platform})`)
      for (const line of formatEngineDoctorInfo(engine)) io.out(line)
    }
    return 0
  }
}
