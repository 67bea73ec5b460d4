import type { CliCommand } from '../command'
import { doctorCommand } from './doctor'
import { serveCommand } from './serve'

/**
 * Every `defect-studio` command, in the order `--help` lists them. Add a command by
 * adding one import and one entry here; the command itself lives in its own file.
 */
export const commands: CliCommand[] = [
  doctorCommand,
  serveCommand
]
