import { parseArgs, type ParseArgsConfig } from 'node:util'

/** Where a command writes. Tests pass their own; the real CLI passes process streams. */
export interface CliIo {
  out: (line: string) => void
  err: (line: string) => void
}

/** One `defect-studio <name>` command. Each lives in its own file under commands/. */
export interface CliCommand {
  name: string
  /** One line for `--help`. */
  summary: string
  /** Usage text shown by `defect-studio <name> --help` and on bad arguments. */
  usage: string
  /** Options in node:util parseArgs form; `json` and `help` are added for every command. */
  options: NonNullable<ParseArgsConfig['options']>
  allowPositionals?: boolean
  /** Returns the exit code. Throw UsageError for bad arguments. */
  run(args: ParsedArgs, io: CliIo): Promise<number>
}

export interface ParsedArgs {
  values: Record<string, string | boolean | string[] | undefined>
  positionals: string[]
  json: boolean
}

/** Bad arguments: exit code 2 and a one-line reason. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'UsageError'
  }
}

export function parseCommandArgs(command: CliCommand, argv: string[]): ParsedArgs {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { ...command.options, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    allowPositionals: command.allowPositionals ?? false,
    strict: true
  })
  return { values: values as ParsedArgs['values'], positionals, json: values.json === true }
}

/** Read a required string option or throw a UsageError naming it. */
export function requireString(args: ParsedArgs, name: string): string {
  const v = args.values[name]
  if (typeof v !== 'string' || v.length === 0) throw new UsageError(`--${name} is required`)
  return v
}

/** Read an optional numeric option, checking its range. */
export function optionalNumber(args: ParsedArgs, name: string, opts: { min?: number; max?: number; integer?: boolean } = {}): number | undefined {
  const v = args.values[name]
  if (v === undefined) return undefined
  const n = Number(v)
  if (typeof v !== 'string' || !Number.isFinite(n) || (opts.integer && !Number.isInteger(n))) {
    throw new UsageError(`--${name} must be ${opts.integer ? 'an integer' : 'a number'}, got "${String(v)}"`)
  }
  if (opts.min !== undefined && n < opts.min) throw new UsageError(`--${name} must be at least ${opts.min}, got ${n}`)
  if (opts.max !== undefined && n > opts.max) throw new UsageError(`--${name} must be at most ${opts.max}, got ${n}`)
  return n
}

/** Print one JSON object on one line (the machine-readable form of every command). */
export function printJson(io: CliIo, value: unknown): void {
  io.out(JSON.stringify(value))
}
