import { z } from 'zod'

/**
 * The numeric limits a zod number schema declares, read from the schema itself, so that a
 * form field (min/max/step and its message), a CLI flag and a settings check never restate
 * them: one definition per setting (shared/contract/settings.ts). This is the only reader;
 * the renderer's composables/number-limits.ts adds the words and input attributes on top.
 * `scale` shows a fraction as a percent (0.005 → 0.5).
 */
export interface NumberLimits {
  min: number | null
  max: number | null
  /** The bound itself is not allowed (zod's gt/lt, e.g. a rate that must be above 0). */
  exclusiveMin: boolean
  exclusiveMax: boolean
  integer: boolean
}

export function numberLimits(schema: z.ZodType, scale = 1): NumberLimits {
  // toJSONSchema is zod's public description of a schema: optional/nullable wrappers
  // become anyOf entries; the number one carries the bounds.
  const json = z.toJSONSchema(schema, { unrepresentable: 'any' }) as Record<string, unknown> & { anyOf?: Array<Record<string, unknown>> }
  const node = json.anyOf?.find((n) => n.type === 'number' || n.type === 'integer') ?? json
  if (node.type !== 'number' && node.type !== 'integer') throw new Error(`numberLimits: not a number schema (${String(node.type)})`)
  const num = (key: string) => (typeof node[key] === 'number' ? (node[key] as number) * scale : null)
  const exMin = num('exclusiveMinimum')
  const exMax = num('exclusiveMaximum')
  return {
    min: exMin ?? num('minimum'),
    max: exMax ?? num('maximum'),
    exclusiveMin: exMin !== null,
    exclusiveMax: exMax !== null,
    integer: node.type === 'integer'
  }
}

/** Why a typed value does not fit these limits (null when it does). */
export type LimitProblem = 'not-a-number' | 'not-whole' | 'out-of-range'

export function limitProblem(raw: string | number, l: NumberLimits): LimitProblem | null {
  const text = String(raw).trim()
  const value = Number(text)
  if (text === '' || !Number.isFinite(value)) return 'not-a-number'
  if (l.integer && !Number.isInteger(value)) return 'not-whole'
  const belowMin = l.min !== null && (l.exclusiveMin ? value <= l.min : value < l.min)
  const aboveMax = l.max !== null && (l.exclusiveMax ? value >= l.max : value > l.max)
  return belowMin || aboveMax ? 'out-of-range' : null
}
