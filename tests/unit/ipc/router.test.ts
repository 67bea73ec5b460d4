import { describe, expect, it } from 'vitest'
import { Router } from '../../../electron/services/router'
import { UserFacingError } from '../../../electron/services/errors'

const trusted = { trusted: true, origin: 'test' }
const untrusted = { trusted: false, origin: 'https://evil.example' }

function routerWithPing(): Router {
  const router = new Router()
  router.register({
    'app:ping': ({ echo }) => {
      if (echo === 'explode') throw new Error('database is locked\n    at Object.<anonymous> (/secret/path.js:1:1)')
      if (echo === 'user-error') throw new UserFacingError('conflict', 'That class already exists. Pick another name.')
      return { echo }
    }
  })
  return router
}

describe('Router reject paths', () => {
  it('refuses an untrusted sender before looking at channel or payload', async () => {
    const result = await routerWithPing().handle('app:ping', { echo: 'hi' }, untrusted)
    expect(result).toEqual({ ok: false, error: expect.objectContaining({ code: 'untrusted-sender' }) })
    // Even a valid call from an untrusted sender never reaches the handler.
    const unknown = await routerWithPing().handle('no:such', {}, untrusted)
    expect(unknown.ok === false && unknown.error.code).toBe('untrusted-sender')
  })

  it('refuses an unknown channel with a clear message', async () => {
    const result = await routerWithPing().handle('files:delete-everything', {}, trusted)
    expect(result.ok).toBe(false)
    if (!result.ok) {
      expect(result.error.code).toBe('unknown-channel')
      expect(result.error.message).toContain('files:delete-everything')
    }
  })

  it('refuses a contract channel that has no handler in this build', async () => {
    const result = await new Router().handle('app:ping', { echo: 'x' }, trusted)
    expect(result.ok === false && result.error.code).toBe('unknown-channel')
  })

  it('refuses invalid payloads and names the offending field', async () => {
    const router = routerWithPing()
    for (const bad of [{ echo: 42 }, { echo: 'x'.repeat(5000) }, { echo: 'ok', extra: true }, 'string', [1, 2]]) {
      const result = await router.handle('app:ping', bad, trusted)
      expect(result.ok).toBe(false)
      if (!result.ok) expect(result.error.code).toBe('invalid-payload')
    }
    const named = await router.handle('app:ping', { echo: 42 }, trusted)
    expect(!named.ok && named.error.issues?.[0]).toMatch(/^echo:/)
  })

  it('turns a thrown error into a typed error result without a stack trace', async () => {
    const result = await routerWithPing().handle('app:ping', { echo: 'explode' }, trusted)
    expect(result.ok).toBe(false)
    if (!result.ok) {
      expect(result.error.code).toBe('failed')
      expect(result.error.message).toContain('database is locked')
      expect(result.error.message).not.toContain('/secret/path.js')
    }
  })

  it('keeps the code and message of user-facing errors', async () => {
    const result = await routerWithPing().handle('app:ping', { echo: 'user-error' }, trusted)
    expect(result).toEqual({ ok: false, error: { code: 'conflict', message: 'That class already exists. Pick another name.' } })
  })

  it('answers a valid call', async () => {
    expect(await routerWithPing().handle('app:ping', { echo: 'hi' }, trusted)).toEqual({ ok: true, value: { echo: 'hi' } })
  })

  it('refuses to register a handler for a channel outside the contract, or twice', () => {
    const router = routerWithPing()
    expect(() => router.register({ 'app:ping': () => ({ echo: '' }) })).toThrow(/already/)
    expect(() => router.register({ ['nope:x' as 'app:ping']: () => ({ echo: '' }) })).toThrow(/not a contract channel/)
  })
})
