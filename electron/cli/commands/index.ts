import type { CliCommand } from '../command'
import { doctorCommand } from './doctor'
import { serveCommand } from './serve'
import { predictCommand } from './predict'
import { weightsCommand } from './weights'
import { importCommand } from './import'
import { exportCommand } from './export'
import { infoCommand } from './info'
import { trainCommand } from './train'
import { evalCommand } from './eval'
import { modelsCommand } from './models'
import { inspectCommand } from './inspect'
import { plcSimCommand } from './plc-sim'
import { classesCommand } from './classes'
import { demoCommand } from './demo'
import { historyCommand } from './history'
// Adds `models export|import` (model packages) to the models command.
import './models-package'
// Adds `models int8` (the INT8 inspection setting of a version).
import './models-int8'

/**
 * Every `defect-studio` command, in the order `--help` lists them. Add a command by
 * adding one import and one entry here; the command itself lives in its own file.
 */
export const commands: CliCommand[] = [
  doctorCommand,
  demoCommand,
  serveCommand,
  predictCommand, weightsCommand,
  importCommand, classesCommand, exportCommand, infoCommand,
  trainCommand, evalCommand, modelsCommand,
  inspectCommand, historyCommand, plcSimCommand
]
