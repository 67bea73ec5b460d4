import type { z } from 'zod'

/**
 * The numeric limits a zod number schema declares, read from the schema itself so that a
 * form field, a CLI flag and a settings check never restate them (one definition per
 * setting: shared/contract/settings.ts). Optional, nullable and default wrappers are
 * looked through.
 */
export interface NumberLimits {
  min: number | null
  /** False for `.gt()` / `.positive()`: the minimum itself is refused. */
  minInclusive: boolean
  max: number | null
  maxInclusive: boolean
  integer: boolean
}

interface CheckDef {
  check?: string
  value?: unknown
  inclusive?: boolean
  format?: string
}

interface Inner {
  _zod: { def: { type: string; innerType?: z.ZodType; checks?: Array<{ _zod: { def: CheckDef } }> } }
}

function unwrap(schema: z.ZodType): Inner {
  let s = schema as unknown as Inner
  for (let i = 0; i < 10 && s._zod.def.innerType; i++) s = s._zod.def.innerType as unknown as Inner
  return s
}

export function numberLimits(schema: z.ZodType): NumberLimits {
  const s = unwrap(schema)
  if (s._zod.def.type !== 'number') throw new Error(`numberLimits: not a number schema (${s._zod.def.type})`)
  const out: NumberLimits = { min: null, minInclusive: true, max: null, maxInclusive: true, integer: false }
  for (const c of s._zod.def.checks ?? []) {
    const d = c._zod.def
    if (d.check === 'greater_than' && typeof d.value === 'number' && (out.min === null || d.value >= out.min)) {
      out.min = d.value
      out.minInclusive = d.inclusive !== false
    } else if (d.check === 'less_than' && typeof d.value === 'number' && (out.max === null || d.value <= out.max)) {
      out.max = d.value
      out.maxInclusive = d.inclusive !== false
    } else if (d.check === 'number_format' && (d.format === 'safeint' || d.format === 'int32' || d.format === 'uint32')) out.integer = true
  }
  return out
}

/** "between 1 and 500", "above 0 and at most 10": the limits in words, for messages. */
export function describeLimits(l: NumberLimits): string {
  const low = l.min === null ? null : l.minInclusive ? `at least ${l.min}` : `above ${l.min}`
  const high = l.max === null ? null : l.maxInclusive ? `at most ${l.max}` : `below ${l.max}`
  if (l.min !== null && l.max !== null && l.minInclusive && l.maxInclusive) return `between ${l.min} and ${l.max}`
  return [low, high].filter(Boolean).join(' and ') || 'any number'
}
