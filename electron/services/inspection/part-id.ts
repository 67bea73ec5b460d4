import { Script, createContext } from 'node:vm'

/**
 * Every record carries a part id (docs/decisions.md, Inspection records): from the trigger payload, else from the
 * file name with the project's pattern (a regular expression with one capture group),
 * else a counter that keeps counting across restarts.
 *
 * The pattern is user input run by a backtracking engine, so a pattern like `^(a+)+$` could
 * block the event loop for seconds (or forever) on one file name. It is bounded three ways
 * (docs/security.md): the pattern is at most MAX_PATTERN_LENGTH characters, the name it is
 * run on at most MAX_NAME_LENGTH, and every match runs under a time limit (node:vm's
 * timeout interrupts V8's regex engine). A pattern that exceeds the limit on probe names
 * when it is set is refused as catastrophic; one that still times out on a real name gives
 * no part id (the counter is used) instead of stalling inspection.
 */
export const MAX_PATTERN_LENGTH = 200
export const MAX_NAME_LENGTH = 255
/** A real name's match; a linear pattern needs microseconds for 255 characters. */
const MATCH_TIMEOUT_MS = 50
/** Probing when the pattern is set: generous, so a loaded machine never refuses a good one. */
const PROBE_TIMEOUT_MS = 250

export class PartIdPatternError extends Error {
  constructor(pattern: string, reason: string) {
    super(`The part-id pattern "${pattern.length > 60 ? `${pattern.slice(0, 60)}…` : pattern}" ${reason} Fix it in the inspection settings, e.g. "^(\\w+)_".`)
    this.name = 'PartIdPatternError'
  }
}

/** A compiled part-id pattern: match() never runs longer than the time limit. */
export interface PartIdPattern {
  readonly source: string
  match(fileName: string): string | null
}

const context = createContext({ re: null as RegExp | null, name: '' })
const exec = new Script('re.exec(name)')

/** exec under the time limit; 'timeout' when it was interrupted. */
function boundedExec(re: RegExp, name: string, timeout = MATCH_TIMEOUT_MS): RegExpExecArray | null | 'timeout' {
  context.re = re
  context.name = name.slice(0, MAX_NAME_LENGTH)
  re.lastIndex = 0
  try {
    return exec.runInContext(context, { timeout }) as RegExpExecArray | null
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') return 'timeout'
    throw error
  } finally {
    context.re = null
    context.name = ''
  }
}

/**
 * Names that make a backtracking pattern show itself: long runs with a failing end, of
 * common name characters and of each literal character the pattern itself uses.
 */
function probeNames(pattern: string): string[] {
  const literals = [...new Set(pattern.replace(/\\./g, '').match(/[A-Za-z0-9_ .-]/g) ?? [])]
  const runs = ['a', '0', '_', '-', ' ', '.', 'aA0_', 'ab', ...literals]
  return runs.flatMap((run) => {
    const body = run.repeat(Math.ceil(MAX_NAME_LENGTH / run.length)).slice(0, MAX_NAME_LENGTH - 1)
    return [`${body}!`, `${body}\u0000`, body]
  })
}

export function compilePartIdPattern(pattern: string | null | undefined): PartIdPattern | null {
  if (!pattern) return null
  if (pattern.length > MAX_PATTERN_LENGTH) throw new PartIdPatternError(pattern, `is longer than ${MAX_PATTERN_LENGTH} characters.`)
  let re: RegExp
  try {
    re = new RegExp(pattern)
  } catch (error) {
    throw new PartIdPatternError(pattern, `is not a valid regular expression (${(error as Error).message}).`)
  }
  for (const probe of probeNames(pattern)) {
    if (boundedExec(re, probe, PROBE_TIMEOUT_MS) === 'timeout') {
      throw new PartIdPatternError(pattern, `can take exponential time on some file names (nested repetition such as "(a+)+"), so it is refused.`)
    }
  }
  return {
    source: pattern,
    match(fileName: string): string | null {
      const m = boundedExec(re, fileName)
      if (!m || m === 'timeout') return null
      return (m[1] ?? m[0]) || null
    }
  }
}

export function partIdFromFileName(fileName: string, pattern: PartIdPattern | null): string | null {
  return pattern ? pattern.match(fileName) : null
}

/** `P-000042`: a zero-padded counter value. */
export function counterPartId(n: number): string {
  return `P-${String(n).padStart(6, '0')}`
}
