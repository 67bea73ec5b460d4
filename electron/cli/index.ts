import { appVersion } from '../services/app-info'
import { errorCode } from '../services/error-codes'
import { busyMessage, isBusyError } from '../store/errors'
import { parseCommandArgs, UsageError, type CliIo } from './command'
import { commands } from './commands/index'
import { EXIT_CODE } from './exit-codes'
import { userWorkingFolder } from './user-cwd'
import { processIo } from './process-io'

/**
 * `defect-studio` entry point. Every command accepts --json; errors exit non-zero with a
 * one-line reason (and `{ "error": "…", "code": "…" }` on stdout with --json). The code is
 * the contract error code (services/error-codes.ts, the app's one mapping); the exit status
 * follows from it (exit-codes.ts).
 */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const json = argv.includes('--json')
  const [first, ...rest] = argv
  if (!first || first === '--help' || first === '-h' || first === 'help') {
    io.out(globalHelp())
    return 0
  }
  if (first === '--version' || first === '-v') {
    io.out(json ? JSON.stringify({ version: appVersion() }) : appVersion())
    return 0
  }
  const command = commands.find((c) => c.name === first)
  if (!command) return usageFailure(io, json, `unknown command "${first}". Run "defect-studio --help" for the list.`)
  try {
    const args = parseCommandArgs(command, rest)
    if (args.values.help) {
      io.out(command.usage)
      return 0
    }
    return await command.run(args, io)
  } catch (error) {
    if (error instanceof UsageError || isParseArgsError(error)) {
      return usageFailure(io, json, `${command.name}: ${(error as Error).message}`)
    }
    const message = isBusyError(error) ? busyMessage() : error instanceof Error ? error.message.split('\n')[0]! : String(error)
    const code = errorCode(error)
    if (json) io.out(JSON.stringify({ error: message, code }))
    io.err(`defect-studio ${command.name}: ${message}`)
    return EXIT_CODE[code]
  }
}

function usageFailure(io: CliIo, json: boolean, reason: string): number {
  if (json) io.out(JSON.stringify({ error: reason, code: 'invalid-payload' }))
  io.err(`defect-studio: ${reason}`)
  return EXIT_CODE['invalid-payload']
}

function isParseArgsError(error: unknown): boolean {
  const code = (error as { code?: string } | null)?.code
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')
}

function globalHelp(): string {
  const width = Math.max(...commands.map((c) => c.name.length))
  return [
    `Defect Studio ${appVersion()}: label part photos, train a defect classifier, inspect parts.`,
    '',
    'Usage: defect-studio <command> [options]   (every command takes --json)',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Options:',
    '  --help, -h     show help (also: defect-studio <command> --help)',
    '  --version, -v  print the version'
  ].join('\n')
}

// Run when executed directly (bin/defect-studio.js imports this module and calls main).
export async function main(): Promise<void> {
  const folder = userWorkingFolder(process.env, process.cwd())
  if (folder !== process.cwd()) process.chdir(folder)
  const code = await runCli(process.argv.slice(2), processIo())
  // Long-running commands (serve, inspect --watch) return only when they are done.
  process.exitCode = code
}

