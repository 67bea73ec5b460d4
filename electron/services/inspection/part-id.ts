/**
 * Every record carries a part id (DECISIONS.md): from the trigger payload, else from the
 * file name with the project's pattern (a regular expression with one capture group),
 * else a counter that keeps counting across restarts.
 */
export class PartIdPatternError extends Error {
  constructor(pattern: string, reason: string) {
    super(`The part-id pattern "${pattern}" is not a valid regular expression (${reason}). Fix it in the inspection settings, e.g. "^(\\w+)_".`)
    this.name = 'PartIdPatternError'
  }
}

export function compilePartIdPattern(pattern: string | null | undefined): RegExp | null {
  if (!pattern) return null
  try {
    return new RegExp(pattern)
  } catch (error) {
    throw new PartIdPatternError(pattern, (error as Error).message)
  }
}

export function partIdFromFileName(fileName: string, pattern: RegExp | null): string | null {
  if (!pattern) return null
  const m = pattern.exec(fileName)
  if (!m) return null
  return (m[1] ?? m[0]) || null
}

/** `P-000042`: a zero-padded counter value. */
export function counterPartId(n: number): string {
  return `P-${String(n).padStart(6, '0')}`
}
