import { describe, expect, it } from 'vitest'
import { compilePartIdPattern, MAX_NAME_LENGTH, partIdFromFileName, PartIdPatternError } from '../../../electron/services/inspection/part-id'

// Issue 12 item 4: a user's part-id pattern must not block the event loop (the audit's
// `^(a+)+$` took seconds on one file name).
describe('part-id pattern safety', () => {
  it('refuses catastrophic patterns when they are set, quickly', () => {
    for (const pattern of ['^(a+)+$', '^(\\w+\\s?)+$', '^(a|a)*$', '(x+x+)+y', '^(([a-z])+.)+[A-Z]([a-z])+$', '^(\\d+)*_$']) {
      const started = Date.now()
      expect(() => compilePartIdPattern(pattern), pattern).toThrow(PartIdPatternError)
      expect(() => compilePartIdPattern(pattern)).toThrow(/exponential time/)
      expect(Date.now() - started, pattern).toBeLessThan(1500)
    }
  })

  it('refuses over-long patterns and keeps working patterns working', () => {
    expect(() => compilePartIdPattern('a'.repeat(201))).toThrow(/longer than 200/)
    expect(() => compilePartIdPattern('([')).toThrow(/not a valid regular expression/)
    const pattern = compilePartIdPattern('^([A-Z]+-\\d+)_')
    expect(partIdFromFileName('SN-0042_cam1.png', pattern)).toBe('SN-0042')
    expect(partIdFromFileName('other.png', pattern)).toBeNull()
    expect(partIdFromFileName(`SN-1_${'x'.repeat(10_000)}.png`, pattern)).toBe('SN-1')
    // Only the first MAX_NAME_LENGTH characters of a name are searched.
    expect(partIdFromFileName(`${'y'.repeat(MAX_NAME_LENGTH)}SN-9_`, compilePartIdPattern('(SN-\\d+)_'))).toBeNull()
  })

  it('through the contract: inspection:settings refuses it with the reason and the server stays responsive', async () => {
    const { mkdtempSync } = await import('node:fs')
    const { tmpdir } = await import('node:os')
    const { join } = await import('node:path')
    const { createAppServices } = await import('../../../electron/services/app-services')
    const dir = mkdtempSync(join(tmpdir(), 'ds-partid-'))
    process.env.DEFECT_STUDIO_DATA_DIR = join(dir, 'data')
    const services = await createAppServices({ mode: 'browser', startEngine: false })
    try {
      const ctx = { trusted: true, origin: 'test' }
      await services.router.handle('projects:create', { path: join(dir, 'data', 'p.dsproj') }, ctx)
      const started = Date.now()
      const r = await services.router.handle('inspection:settings', { partIdPattern: '^(a+)+$' }, ctx)
      expect(r).toMatchObject({ ok: false, error: { message: expect.stringMatching(/exponential time/) } })
      expect(Date.now() - started).toBeLessThan(1500)
      const ok = await services.router.handle('inspection:settings', { partIdPattern: '^(\\w+)_' }, ctx)
      expect(ok).toMatchObject({ ok: true, value: { partIdPattern: '^(\\w+)_' } })
    } finally {
      await services.close()
    }
  })
})
