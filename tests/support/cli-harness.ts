import { runCli } from '../../electron/cli/index'
import type { CliIo } from '../../electron/cli/command'

/**
 * Running the CLI in-process in a test, as `defect-studio ARGS` would run, with what it
 * prints kept line by line: one harness for every CLI test (tests/unit/**\/*cli*).
 */
export interface CliRun {
  /** The exit status runCli returned (electron/cli/exit-codes.ts). */
  code: number
  /** stdout lines (with --json: one JSON document a line). */
  out: string[]
  /** stderr lines. */
  err: string[]
}

/** An io that records lines, for tests that call runCli themselves. */
export function captureIo(): { io: CliIo; out: string[]; err: string[] } {
  const out: string[] = []
  const err: string[] = []
  return { io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) }, out, err }
}

/** Run the CLI with these arguments and return its exit status and output. */
export async function runCliCaptured(argv: string[]): Promise<CliRun> {
  const { io, out, err } = captureIo()
  const code = await runCli(argv, io)
  return { code, out, err }
}

/** `await cli('import', '--project', p, '--json')`: runCliCaptured with the arguments spread. */
export function cli(...argv: string[]): Promise<CliRun> {
  return runCliCaptured(argv)
}
